"""Typed view of a received strategy, call or response, with its HTML made safe.

Reads the `sn:` properties beside the standard ones; remote HTML (content, contentMap,
summary) is sanitised here, once, before anything stores or shows it (and only the keys the
node reads are kept, lists cut to what it reads), within one MarkupBudget per document (a text
repeated in content and contentMap is sanitised once); of contentMap and summaryMap the first
MAX_MAP_ENTRIES languages are kept. Attachments are read as references (another server's URL,
type and description), bounded in number and size. CPU-bound: callers on the event loop run it
in a thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from node.activitypub.circles import is_circle
from node.activitypub.objects import MAX_ADDRESSED, ObjectView, is_iri, visibility
from node.activitypub.sanitize import (
    MarkupBudget,
    html_to_text,
    sanitize_incoming,
    text_of_sanitized,
)
from node.publication import (
    Attachment,
    Content,
    Fields,
    MediaKind,
    Visibility,
    kind_of,
    urgency_of,
)

MAX_LIST = 50
MAX_LABEL = 200
MAX_ATTACHMENTS = 16
MAX_DESCRIPTION = 1_500
MAX_SIDE = 100_000
BLURHASH_RE = re.compile(r"^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,100}$")
MEDIA_TYPE_RE = re.compile(r"^[a-z0-9.+-]{1,40}/[a-z0-9.+-]{1,80}$")
MAX_MAP_ENTRIES = 8
MAX_BODY_TEXT = 50_000  # of a received text, what search indexes
MAX_KEPT_ITEMS = 100  # of a list the node keeps (tags, attachments); addressing: MAX_ADDRESSED
# what the node keeps of a received object: what it reads, shows or passes on; the rest goes
KEPT_KEYS = frozenset(
    {"@context", "id", "type", "attributedTo", "to", "cc", "audience", "inReplyTo", "published"}
    | {"updated", "url", "name", "title", "summary", "summaryMap", "content", "contentMap"}
    | {"mediaType", "sensitive", "tag", "attachment", "replies", "likes", "shares", "kind"}
    | {"urgency", "deadline", "regions", "themes", "actions", "maxHops", "pledge", "quoteUrl"}
    | {"circle"}
)
ADDRESSING = ("to", "cc", "audience")


@dataclass(frozen=True)
class PublicationView:
    """A received object: what is kept of it (Content), and its document with safe HTML."""

    content: Content
    document: dict[str, Any]
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def from_object(cls, obj: ObjectView, author_followers: str | None) -> PublicationView:
        """Read `obj`; its visibility is Mastodon's reading of its addressing, for which the
        author's followers collection must be known; an object marked `circle` is a circle
        call whatever its addressing says (the narrowest reading wins)."""
        document = safe_document(obj.document)
        title = _text(document.get("title")) or _text(document.get("name"))
        summary = document.get("summary")
        fields = Fields(
            kind=kind_of(document.get("kind")),
            visibility=(
                Visibility.CIRCLE
                if is_circle(document)
                else visibility(obj.to, obj.cc, author_followers)
            ),
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
            body_text=_body_text(document.get("content")),
            in_reply_to=obj.in_reply_to,
            is_pledge=document.get("pledge") is True,
        )
        return cls(content, document, attachments_of(document.get("attachment")))


def _body_text(content: object) -> str:
    """The plain text of sanitised content (safe_document cleaned it), cut to MAX_BODY_TEXT."""
    return text_of_sanitized(content)[:MAX_BODY_TEXT] if isinstance(content, str) else ""


def attachments_of(value: object) -> tuple[Attachment, ...]:
    """The pictures and documents of a received object, as references: what Mastodon and
    others send (Document or Image, mediaType, url, name, blurhash, width, height)."""
    items = value if isinstance(value, list) else [value]
    found = (_attachment(item) for item in items[:MAX_ATTACHMENTS] if isinstance(item, dict))
    return tuple(item for item in found if item is not None)


def _attachment(item: dict[str, Any]) -> Attachment | None:
    if item.get("type") not in ("Document", "Image", "Video", "Audio", "Link"):
        return None  # PropertyValue and the like are not media
    url, media_type = _media_url(item.get("url") or item.get("href"))
    given = item.get("mediaType")
    media_type = (given if isinstance(given, str) else media_type or "").strip().lower()
    if url is None:
        return None
    is_image = item.get("type") == "Image" or media_type.startswith("image/")
    name = item.get("name") or item.get("summary")
    return Attachment(
        kind=MediaKind.IMAGE if is_image else MediaKind.DOCUMENT,
        media_type=media_type if MEDIA_TYPE_RE.match(media_type) else "",
        url=url,
        description=_description(name),
        width=_side(item.get("width")),
        height=_side(item.get("height")),
        blurhash=_blurhash(item.get("blurhash")),
    )


def _description(name: object) -> str:
    """An attachment's alt text, as plain text; bounded before the parser sees it."""
    return (
        html_to_text(name[: MAX_DESCRIPTION * 4])[:MAX_DESCRIPTION] if isinstance(name, str) else ""
    )


def _media_url(value: object) -> tuple[str | None, str | None]:
    """A URL as a string, a Link (href and its mediaType) or a list of either (the first)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        media_type = value.get("mediaType")
        href = value.get("href")
        return (href if is_iri(href) else None), media_type if isinstance(media_type, str) else None
    return (value if is_iri(value) else None), None  # type: ignore[return-value]


def _side(value: object) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SIDE
    return value if ok else None  # type: ignore[return-value]


def _blurhash(value: object) -> str | None:
    return value if isinstance(value, str) and BLURHASH_RE.match(value) else None


def safe_document(document: dict[str, Any]) -> dict[str, Any]:
    """What the node keeps of a received object: the keys it reads (KEPT_KEYS, so never the
    blind addressees), lists cut to what it reads, and HTML fields through the sanitiser."""
    safe = {k: v for k, v in document.items() if k in KEPT_KEYS}
    for name, value in safe.items():
        if isinstance(value, list):
            safe[name] = value[: MAX_ADDRESSED if name in ADDRESSING else MAX_KEPT_ITEMS]
    for name in ("contentMap", "summaryMap"):
        if isinstance(safe.get(name), dict):
            texts = [(k, v) for k, v in safe[name].items() if isinstance(v, str)]
            safe[name] = dict(texts[:MAX_MAP_ENTRIES])
    content_map = safe.get("contentMap")
    if not isinstance(safe.get("content"), str) and isinstance(content_map, dict):
        # some servers send only contentMap (Pleroma once did); read its first text as content
        safe["content"] = next(iter(content_map.values()), "")
    budget = MarkupBudget()
    done: dict[str, str] = {}

    def clean(text: str) -> str:
        if text not in done:
            done[text] = sanitize_incoming(text, budget)
        return done[text]

    for name in ("content", "summary"):
        if isinstance(safe.get(name), str):
            safe[name] = clean(safe[name])
    for name in ("contentMap", "summaryMap"):
        if isinstance(safe.get(name), dict):
            safe[name] = {k: clean(v) for k, v in safe[name].items()}
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
