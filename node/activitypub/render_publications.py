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

URGENCY_WORDS = {
    "low": "Low urgency",
    "normal": "Normal urgency",
    "high": "High urgency",
    "critical": "Critical: urgent",
}


@dataclass(frozen=True)
class Publication:
    iri: str
    kind: str
    author: str
    followers: str
    title: str
    summary: str
    content_html: str
    language: str
    visibility: str
    published: datetime
    updated: datetime | None = None
    themes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    urgency: str | None = None
    deadline: datetime | None = None
    max_hops: int | None = None
    mentions: tuple[str, ...] = ()
    tags: tuple[dict[str, str], ...] = ()
    counts: tuple[int, int, int] = (0, 0, 0)


def addressing(
    visibility: str, followers: str, mentions: Sequence[str]
) -> tuple[list[str], list[str]]:
    """(to, cc) as Mastodon addresses each visibility."""
    mentioned = list(dict.fromkeys(mentions))
    if visibility == "public":
        return [PUBLIC], [followers, *mentioned]
    if visibility == "unlisted":
        return [followers], [PUBLIC, *mentioned]
    if visibility == "followers":
        return [followers], mentioned
    return mentioned, []


def human_deadline(deadline: datetime) -> str:
    return f"{deadline.day} {deadline:%B %Y, %H:%M} UTC"


def call_content(pub: Publication) -> str:
    """The call in plain words, for servers that ignore the sn: properties."""
    parts = [f"<p><strong>Call for solidarity: {html.escape(pub.title)}</strong></p>"]
    parts.append(pub.content_html)
    facts = [URGENCY_WORDS.get(pub.urgency or "normal", "Normal urgency")]
    if pub.deadline is not None:
        facts.append(f"Deadline: {human_deadline(pub.deadline)}")
    if pub.regions:
        facts.append("Regions: " + html.escape(", ".join(pub.regions)))
    parts.append("<p>" + " · ".join(facts) + "</p>")
    if pub.actions:
        items = "".join(f"<li>{html.escape(action)}</li>" for action in pub.actions)
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
    to, cc = addressing(pub.visibility, pub.followers, pub.mentions)
    content = call_content(pub) if pub.kind == "call" else pub.content_html
    replies, likes, shares = pub.counts
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": pub.iri,
        "type": "Note" if pub.kind == "call" else "Article",
        "kind": pub.kind,
        "attributedTo": pub.author,
        "url": pub.iri,
        "published": iso(pub.published),
        "to": to,
        "cc": cc,
        "content": content,
        "contentMap": {pub.language: content},
        "tag": list(pub.tags),
        "themes": list(pub.themes),
        "regions": list(pub.regions),
        "replies": collection_ref(f"{pub.iri}/replies", replies),
        "likes": collection_ref(f"{pub.iri}/likes", likes),
        "shares": collection_ref(f"{pub.iri}/shares", shares),
    }
    if pub.updated is not None:
        document["updated"] = iso(pub.updated)
    if pub.kind == "call":
        document |= call_properties(pub)
    else:
        document |= {"name": pub.title, "summary": html.escape(pub.summary)}
    return document


def call_properties(pub: Publication) -> dict[str, Any]:
    found: dict[str, Any] = {
        "title": pub.title,
        "urgency": pub.urgency or "normal",
        "actions": list(pub.actions),
    }
    if pub.deadline is not None:
        found["deadline"] = iso(pub.deadline)
    if pub.max_hops is not None:
        found["maxHops"] = pub.max_hops
    return found


def tombstone(iri: str, deleted: datetime, former_type: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": iri,
        "type": "Tombstone",
        "formerType": former_type,
        "deleted": iso(deleted),
    }
