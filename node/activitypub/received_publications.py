"""Typed view of a received strategy, call or response, with its HTML made safe.

Reads the `sn:` properties beside the standard ones; remote HTML (content, contentMap,
summary) is sanitised here, once, before anything stores or shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from node.activitypub.objects import ObjectView, visibility
from node.activitypub.sanitize import sanitize_incoming, text_of_sanitized
from node.publication import Content, Fields, kind_of, urgency_of

MAX_LIST = 50
MAX_LABEL = 200


@dataclass(frozen=True)
class PublicationView:
    """A received object: what is kept of it (Content), and its document with safe HTML."""

    content: Content
    document: dict[str, Any]

    @classmethod
    def from_object(cls, obj: ObjectView, author_followers: str | None) -> PublicationView:
        """Read `obj`; its visibility is Mastodon's reading of its addressing, for which the
        author's followers collection must be known."""
        document = safe_document(obj.document)
        title = _text(document.get("title")) or _text(document.get("name"))
        summary = document.get("summary")
        fields = Fields(
            kind=kind_of(document.get("kind")),
            visibility=visibility(obj.to, obj.cc, author_followers),
            title=title[:300] if title else None,
            summary=text_of_sanitized(summary) if isinstance(summary, str) else None,
            language=_language(document),
            urgency=urgency_of(document.get("urgency")),
            deadline=_datetime(document.get("deadline")),
            max_hops=_int(document.get("maxHops")),
            regions=_strings(document.get("regions")),
            themes=_themes(document),
            actions=_strings(document.get("actions")),
        )
        content = Content(
            type=obj.type,
            fields=fields,
            body_text=text_of_sanitized(str(document.get("content") or "")),
            in_reply_to=obj.in_reply_to,
            is_pledge=document.get("pledge") is True,
        )
        return cls(content, document)


def safe_document(document: dict[str, Any]) -> dict[str, Any]:
    """A copy whose HTML fields passed the incoming sanitiser."""
    safe = dict(document)
    content_map = safe.get("contentMap")
    if not isinstance(safe.get("content"), str) and isinstance(content_map, dict):
        # some servers send only contentMap (Pleroma once did); read its first text as content
        safe["content"] = next((v for v in content_map.values() if isinstance(v, str)), "")
    for name in ("content", "summary"):
        if isinstance(safe.get(name), str):
            safe[name] = sanitize_incoming(safe[name])
    for name in ("contentMap", "summaryMap"):
        if isinstance(safe.get(name), dict):
            safe[name] = {
                k: sanitize_incoming(v) for k, v in safe[name].items() if isinstance(v, str)
            }
    return safe


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _language(document: dict[str, Any]) -> str | None:
    content_map = document.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        first = next(iter(content_map))
        return first[:35] if isinstance(first, str) else None
    return None


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _strings(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    found = (item.strip()[:MAX_LABEL] for item in items if isinstance(item, str))
    return tuple(dict.fromkeys(item for item in found if item))[:MAX_LIST]


def _themes(document: dict[str, Any]) -> tuple[str, ...]:
    """Declared themes, else the Hashtag tags (what Mastodon and others send)."""
    declared = _strings(document.get("themes"))
    if declared:
        return declared
    tags = document.get("tag")
    tags = tags if isinstance(tags, list) else [tags]
    names = [
        tag["name"].lstrip("#")
        for tag in tags
        if isinstance(tag, dict)
        and tag.get("type") == "Hashtag"
        and isinstance(tag.get("name"), str)
    ]
    return _strings(names)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
