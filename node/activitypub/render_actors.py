"""Local actors -> AS2 documents: organisations, the instance actor, and the Update that tells
followers an organisation's profile or key changed.

Pure functions: they take views and the Urls builder, never a database session.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any, Protocol

from node.activitypub.vocabulary import ACTOR_CONTEXT, CONTEXT, PUBLIC, iso
from node.urls import Urls, assertion_key_id, key_id


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
    def assertion_public(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


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
    return {"id": key_id(actor_iri), "owner": actor_iri, "publicKeyPem": pem}


def organisation_to_as(actor: ActorProfile, urls: Urls, default_icon: str) -> dict[str, Any]:
    name = actor.username
    iri = urls.actor(name)
    document: dict[str, Any] = {
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
    if actor.assertion_public:
        document["@context"] = ACTOR_CONTEXT
        document["assertionMethod"] = [multikey(iri, actor.assertion_public)]
    return document


def multikey(actor_iri: str, public_multibase: str) -> dict[str, str]:
    return {
        "id": assertion_key_id(actor_iri),
        "type": "Multikey",
        "controller": actor_iri,
        "publicKeyMultibase": public_multibase,
    }


def instance_actor_to_as(
    username: str, public_key_pem: str, urls: Urls, assertion_public: str | None = None
) -> dict[str, Any]:
    """The instance actor; its assertion key (FEP-521a) signs its alliance manifest."""
    iri = urls.instance_actor
    document: dict[str, Any] = {
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
    if assertion_public:
        document["@context"] = ACTOR_CONTEXT
        document["assertionMethod"] = [multikey(iri, assertion_public)]
    return document


def update_to_as(update_iri: str, actor_document: dict[str, Any], urls: Urls) -> dict[str, Any]:
    """Update of an actor, addressed publicly and to its followers (Mastodon refreshes on it)."""
    embedded = {k: v for k, v in actor_document.items() if k != "@context"}
    return {
        "@context": CONTEXT,
        "id": update_iri,
        "type": "Update",
        "actor": actor_document["id"],
        "object": embedded,
        "to": [PUBLIC],
        "cc": [actor_document["followers"]],
    }
