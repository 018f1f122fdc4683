"""What organisations may publish: every field of a strategy or call checked, with errors that
name the field and the rule (InvalidInput, HTTP 400).

Regions are ISO 3166 codes (a country like "PL" or a subdivision like "PL-14", checked
against pycountry) or free names; languages are BCP 47 tags (checked with langcodes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from node.errors import InvalidInput

URGENCIES = ("low", "normal", "high", "critical")
VISIBILITIES = ("public", "unlisted", "followers", "direct")
CODE_RE = re.compile(r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$")
THEME_RE = re.compile(r"^\w{1,50}$")
LIMITS = {"title": 200, "summary": 500, "content": 50_000, "label": 100, "action": 500}
MAX_ITEMS = 20
MAX_HOPS_CAP = 20


@dataclass(frozen=True)
class Draft:
    """A validated strategy or call, as the author wrote it (content in Markdown)."""

    kind: str
    title: str
    content: str
    summary: str = ""
    language: str = "en"
    visibility: str = "public"
    themes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    urgency: str | None = None
    deadline: datetime | None = None
    max_hops: int | None = None

    def as_source(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "content": self.content,
            "summary": self.summary,
            "language": self.language,
            "visibility": self.visibility,
            "themes": list(self.themes),
            "regions": list(self.regions),
            "actions": list(self.actions),
            "urgency": self.urgency,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "max_hops": self.max_hops,
        }


def text(body: Mapping[str, Any], name: str, *, required: bool, limit: int) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"'{name}' is required and must be text")
    if len(value) > limit:
        raise InvalidInput(f"'{name}' is longer than {limit} characters ({len(value)})")
    return value.strip()


def text_list(body: Mapping[str, Any], name: str, limit: int) -> tuple[str, ...]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"'{name}' must be a list of strings")
    if len(value) > MAX_ITEMS:
        raise InvalidInput(f"'{name}' has more than {MAX_ITEMS} entries")
    for item in value:
        if len(item) > limit or not item.strip():
            raise InvalidInput(f"each of '{name}' must be 1 to {limit} characters")
    return tuple(dict.fromkeys(v.strip() for v in value))


def region(value: str) -> str:
    """An ISO 3166 code, upper-cased, if it looks like one; else a free name as given."""
    if not CODE_RE.match(value):
        return value
    import pycountry  # imported by the first publication, not by a node that only starts

    code = value.upper()
    if "-" in code:
        known = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    else:
        known = pycountry.countries.get(alpha_2=code)
    if known is None:
        raise InvalidInput(f"region {value!r} looks like an ISO 3166 code but is not one")
    return code


def themes(body: Mapping[str, Any]) -> tuple[str, ...]:
    found = text_list(body, "themes", 50)
    for theme in found:
        if not THEME_RE.match(theme.lstrip("#")):
            raise InvalidInput(
                f"theme {theme!r}: use letters, digits and '_' (it becomes a hashtag)"
            )
    return tuple(dict.fromkeys(t.lstrip("#") for t in found))


def language(body: Mapping[str, Any]) -> str:
    import langcodes  # likewise: a few MB that only publishing needs

    tag = text(body, "language", required=False, limit=35) or "en"
    if not langcodes.tag_is_valid(tag):
        raise InvalidInput(f"language {tag!r} is not a BCP 47 tag like 'en' or 'pt-BR'")
    return str(langcodes.standardize_tag(tag))


def choice(body: Mapping[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name, default)
    if value not in allowed:
        raise InvalidInput(f"'{name}' must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def deadline(body: Mapping[str, Any], now: datetime) -> datetime:
    value = body.get("deadline")
    if not isinstance(value, str):
        raise InvalidInput("'deadline' is required: an ISO 8601 date-time like 2026-12-01T18:00Z")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"'deadline' {value!r} is not an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        raise InvalidInput("'deadline' needs a time zone (end it with Z for UTC)")
    if moment <= now:
        raise InvalidInput(f"'deadline' {value} is not in the future")
    return moment.astimezone(UTC)


def max_hops(body: Mapping[str, Any]) -> int:
    value = body.get("max_hops", 6)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_HOPS_CAP:
        raise InvalidInput(f"'max_hops' must be a whole number from 0 to {MAX_HOPS_CAP}")
    return value


def strategy(body: Mapping[str, Any]) -> Draft:
    return Draft(
        kind="strategy",
        title=text(body, "title", required=True, limit=LIMITS["title"]),
        content=text(body, "content", required=True, limit=LIMITS["content"]),
        summary=text(body, "summary", required=False, limit=LIMITS["summary"]),
        language=language(body),
        visibility=choice(body, "visibility", VISIBILITIES, "public"),
        themes=themes(body),
        regions=tuple(region(r) for r in text_list(body, "regions", LIMITS["label"])),
    )


def call(body: Mapping[str, Any], now: datetime) -> Draft:
    return Draft(
        kind="call",
        title=text(body, "title", required=True, limit=LIMITS["title"]),
        content=text(body, "content", required=True, limit=LIMITS["content"]),
        language=language(body),
        visibility=choice(body, "visibility", VISIBILITIES, "public"),
        themes=themes(body),
        regions=tuple(region(r) for r in text_list(body, "regions", LIMITS["label"])),
        actions=text_list(body, "actions", LIMITS["action"]),
        urgency=choice(body, "urgency", URGENCIES, "normal"),
        deadline=deadline(body, now),
        max_hops=max_hops(body),
    )


def revise(draft: Draft, changes: Mapping[str, Any], now: datetime) -> Draft:
    """A PATCH: the changed fields over the current ones, validated as a whole."""
    merged = draft.as_source() | dict(changes)
    return call(merged, now) if draft.kind == "call" else strategy(merged)


def from_source(kind: str, source: Mapping[str, Any]) -> Draft:
    """The stored author's input back as a Draft (no deadline check: it may have passed)."""
    moment = source.get("deadline")
    return Draft(
        kind=kind,
        title=source["title"],
        content=source["content"],
        summary=source.get("summary", ""),
        language=source.get("language", "en"),
        visibility=source.get("visibility", "public"),
        themes=tuple(source.get("themes", [])),
        regions=tuple(source.get("regions", [])),
        actions=tuple(source.get("actions", [])),
        urgency=source.get("urgency"),
        deadline=datetime.fromisoformat(moment) if moment else None,
        max_hops=source.get("max_hops"),
    )
