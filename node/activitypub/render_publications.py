"""Local strategies and calls -> AS2 objects, and the Tombstone of a deleted one.

A strategy is an Article (Mastodon shows name, summary and a link, so the summary stands on
its own); a call is a Note whose content states the ask, deadline, regions and actions in
plain words, with the structured sn: properties beside. Addressing follows Mastodon's reading
of visibility. Pure functions.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from node.activitypub.render_collections import collection_ref
from node.activitypub.vocabulary import CONTEXT, PUBLIC, iso
from node.publication import Fields, Kind, Urgency, Visibility

URGENCY_WORDS = {
    Urgency.LOW: "Low urgency",
    Urgency.NORMAL: "Normal urgency",
    Urgency.HIGH: "High urgency",
    Urgency.CRITICAL: "Critical: urgent",
}


@dataclass(frozen=True)
class Publication:
    """A local strategy or call as it is rendered: its fields (with the summary it is shown
    with), its HTML, and where it stands on the wire."""

    iri: str
    author: str
    followers: str
    fields: Fields
    content_html: str
    published: datetime
    updated: datetime | None = None
    mentions: tuple[str, ...] = ()
    tags: tuple[dict[str, str], ...] = ()
    counts: tuple[int, int, int] = (0, 0, 0)

    @property
    def is_call(self) -> bool:
        return self.fields.kind is Kind.CALL


def addressing(
    visibility: Visibility, followers: str, mentions: Sequence[str]
) -> tuple[list[str], list[str]]:
    """(to, cc) as Mastodon addresses each visibility."""
    mentioned = list(dict.fromkeys(mentions))
    if visibility is Visibility.PUBLIC:
        return [PUBLIC], [followers, *mentioned]
    if visibility is Visibility.UNLISTED:
        return [followers], [PUBLIC, *mentioned]
    if visibility is Visibility.FOLLOWERS:
        return [followers], mentioned
    return mentioned, []


def human_deadline(deadline: datetime) -> str:
    return f"{deadline.day} {deadline:%B %Y, %H:%M} UTC"


def call_content(pub: Publication) -> str:
    """The call in plain words, for servers that ignore the sn: properties."""
    fields = pub.fields
    parts = [f"<p><strong>Call for solidarity: {html.escape(fields.title or '')}</strong></p>"]
    parts.append(pub.content_html)
    facts = [URGENCY_WORDS[fields.urgency or Urgency.NORMAL]]
    if fields.deadline is not None:
        facts.append(f"Deadline: {human_deadline(fields.deadline)}")
    if fields.regions:
        facts.append("Regions: " + html.escape(", ".join(fields.regions)))
    parts.append("<p>" + " · ".join(facts) + "</p>")
    if fields.actions:
        items = "".join(f"<li>{html.escape(action)}</li>" for action in fields.actions)
        parts.append(f"<p>What you can do:</p><ul>{items}</ul>")
    hashtags = [
        t
        for t in pub.tags
        if t.get("type") == "Hashtag"
        and f">#<span>{html.escape(t['name'].lstrip('#'))}</span></a>" not in pub.content_html
    ]  # only the themes: hashtags written in the text are linked there already
    if hashtags:
        links = " ".join(
            f'<a href="{html.escape(t["href"])}" class="mention hashtag" rel="tag">'
            f"#<span>{html.escape(t['name'].lstrip('#'))}</span></a>"
            for t in hashtags
        )
        parts.append(f"<p>{links}</p>")
    return "".join(parts)


def publication_to_as(pub: Publication) -> dict[str, Any]:
    fields = pub.fields
    assert fields.kind is not None
    to, cc = addressing(fields.visibility, pub.followers, pub.mentions)
    content = call_content(pub) if pub.is_call else pub.content_html
    replies, likes, shares = pub.counts
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": pub.iri,
        "type": fields.kind.as_type,
        "kind": fields.kind.value,
        "attributedTo": pub.author,
        "url": pub.iri,
        "published": iso(pub.published),
        "to": to,
        "cc": cc,
        "content": content,
        "contentMap": {fields.language or "en": content},
        "tag": list(pub.tags),
        "themes": list(fields.themes),
        "regions": list(fields.regions),
        "replies": collection_ref(f"{pub.iri}/replies", replies),
        "likes": collection_ref(f"{pub.iri}/likes", likes),
        "shares": collection_ref(f"{pub.iri}/shares", shares),
    }
    if pub.updated is not None:
        document["updated"] = iso(pub.updated)
    if pub.is_call:
        # no content warning, said as Mastodon says it: Epicyon 1.3 cannot read a Note without
        # the key (its inbox fails on it and retries forever)
        document |= call_properties(fields) | {"summary": None}
    else:
        document |= {"name": fields.title, "summary": html.escape(fields.summary or "")}
    return document


def call_properties(fields: Fields) -> dict[str, Any]:
    found: dict[str, Any] = {
        "title": fields.title,
        "urgency": (fields.urgency or Urgency.NORMAL).value,
        "actions": list(fields.actions),
    }
    if fields.deadline is not None:
        found["deadline"] = iso(fields.deadline)
    if fields.max_hops is not None:
        found["maxHops"] = fields.max_hops
    return found


def tombstone(iri: str, deleted: datetime, former_type: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": iri,
        "type": "Tombstone",
        "formerType": former_type,
        "deleted": iso(deleted),
    }
