"""Local state -> AS2 documents: actors, the instance actor, collections and their pages.

Pure functions: they take views and the Urls builder, never a database session.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from node.activitypub.vocabulary import CONTEXT
from node.urls import Urls

PAGE_SIZE = 20


class ActorProfile(Protocol):
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def manually_approves_followers(self) -> bool: ...
    @property
    def discoverable(self) -> bool: ...
    @property
    def indexable(self) -> bool: ...
    @property
    def fields(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def icon_url(self) -> str | None: ...
    @property
    def public_key_pem(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_html(text: str) -> str:
    """Plain text (as organisations type it) -> the paragraphs Mastodon shows as a bio."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


def property_value(name: str, value: str) -> dict[str, str]:
    text = html.escape(value)
    if value.startswith(("https://", "http://")):
        text = f'<a href="{text}" rel="me nofollow noopener" target="_blank">{text}</a>'
    return {"type": "PropertyValue", "name": name, "value": text}


def public_key(actor_iri: str, pem: str) -> dict[str, str]:
    return {"id": f"{actor_iri}#main-key", "owner": actor_iri, "publicKeyPem": pem}


def organisation_to_as(actor: ActorProfile, urls: Urls, default_icon: str) -> dict[str, Any]:
    name = actor.username
    iri = urls.actor(name)
    return {
        "@context": CONTEXT,
        "id": iri,
        "type": "Organization",
        "preferredUsername": name,
        "name": actor.display_name or name,
        "summary": summary_html(actor.summary),
        "url": urls.profile(name),
        "inbox": urls.inbox(name),
        "outbox": urls.outbox(name),
        "followers": urls.followers(name),
        "following": urls.following(name),
        "featured": urls.featured(name),
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "publicKey": public_key(iri, actor.public_key_pem),
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "discoverable": actor.discoverable,
        "indexable": actor.indexable,
        "published": iso(actor.created_at),
        "updated": iso(actor.updated_at),
        "icon": {"type": "Image", "mediaType": "image/png", "url": actor.icon_url or default_icon},
        "attachment": [property_value(n, v) for n, v in actor.fields],
        "webfinger": urls.acct(name).removeprefix("acct:"),
        "tag": [],
    }


def instance_actor_to_as(username: str, public_key_pem: str, urls: Urls) -> dict[str, Any]:
    iri = urls.instance_actor
    return {
        "@context": CONTEXT,
        "id": iri,
        "type": "Application",
        "preferredUsername": username,
        "name": urls.host,
        "summary": "<p>This node's instance actor; it signs the node's requests.</p>",
        "url": urls.base + "/",
        "inbox": f"{iri}/inbox",
        "outbox": f"{iri}/outbox",
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "publicKey": public_key(iri, public_key_pem),
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "indexable": False,
    }


def tombstone(iri: str, deleted: datetime, former_type: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": iri,
        "type": "Tombstone",
        "formerType": former_type,
        "deleted": iso(deleted),
    }


@dataclass(frozen=True)
class Page:
    number: int
    items: Sequence[Any]
    total: int

    @property
    def has_next(self) -> bool:
        return self.number * PAGE_SIZE < self.total


def ordered_collection(iri: str, total: int, urls: Urls) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": iri,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": urls.page(iri, 1),
    }
    if total:
        document["last"] = urls.page(iri, max(1, -(-total // PAGE_SIZE)))
    return document


def ordered_collection_page(iri: str, page: Page, urls: Urls) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.page(iri, page.number),
        "type": "OrderedCollectionPage",
        "partOf": iri,
        "totalItems": page.total,
        "orderedItems": list(page.items),
    }
    if page.has_next:
        document["next"] = urls.page(iri, page.number + 1)
    if page.number > 1:
        document["prev"] = urls.page(iri, page.number - 1)
    return document


def follow_to_as(follow_iri: str, actor: str, target: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": follow_iri,
        "type": "Follow",
        "actor": actor,
        "object": target,
        "to": [target],
    }


def embedded_follow(follow_iri: str, actor: str, target: str) -> dict[str, str]:
    """The Follow as Accept/Reject/Undo embed it: Mastodon matches on these four fields."""
    return {"id": follow_iri, "type": "Follow", "actor": actor, "object": target}


def answer_to_as(answer_iri: str, kind: str, actor: str, follow: dict[str, str]) -> dict[str, Any]:
    """Accept, Reject or Undo of a Follow, signed and sent by `actor`."""
    recipient = follow["actor"] if kind in ("Accept", "Reject") else follow["object"]
    return {
        "@context": CONTEXT,
        "id": answer_iri,
        "type": kind,
        "actor": actor,
        "object": follow,
        "to": [recipient],
    }


def update_to_as(update_iri: str, actor_document: dict[str, Any], urls: Urls) -> dict[str, Any]:
    """Update of an actor, addressed publicly and to its followers (Mastodon refreshes on it)."""
    embedded = {k: v for k, v in actor_document.items() if k != "@context"}
    return {
        "@context": CONTEXT,
        "id": update_iri,
        "type": "Update",
        "actor": actor_document["id"],
        "object": embedded,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [actor_document["followers"]],
    }
