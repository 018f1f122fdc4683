"""What organisations may publish: every field of a strategy or call checked, with errors that
name the field and the rule (InvalidInput, HTTP 400).

Regions are ISO 3166 codes (a country like "PL" or a subdivision like "PL-14", checked
against pycountry) or free names; languages are BCP 47 tags (checked with langcodes). A call
with visibility "circle" names the circle (`circle`) it goes to; nothing else names one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from node.errors import InvalidInput
from node.publication import DEFAULT_MAX_HOPS, Fields, Kind, Urgency, Visibility, urgency_of

CODE_RE = re.compile(r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$")
CIRCLE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
THEME_RE = re.compile(r"^\w{1,50}$")
LIMITS = {"title": 200, "summary": 500, "content": 50_000, "label": 100, "action": 500}
MAX_ITEMS = 20
MAX_HOPS_CAP = 20
MAX_MEDIA = 4
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Draft:
    """A validated strategy or call, as the author wrote it: its fields (the summary is the
    author's own, None when not given) and its content in Markdown."""

    fields: Fields
    content: str
    media_ids: tuple[str, ...] = ()  # uploads to attach, in order (ids from POST /api/v1/media)
    circle: str | None = None  # the circle a circle call goes to

    @property
    def kind(self) -> Kind:
        assert self.fields.kind is not None
        return self.fields.kind

    def as_source(self) -> dict[str, Any]:
        """What is stored of the author's input (`source`), so a revision starts from it."""
        fields = self.fields
        return {
            "title": fields.title,
            "content": self.content,
            "summary": fields.summary or "",
            "language": fields.language,
            "visibility": fields.visibility.value,
            "themes": list(fields.themes),
            "regions": list(fields.regions),
            "actions": list(fields.actions),
            "urgency": fields.urgency.value if fields.urgency else None,
            "deadline": fields.deadline.isoformat() if fields.deadline else None,
            "max_hops": fields.max_hops,
            "media_ids": list(self.media_ids),
            "circle": self.circle,
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


def choice(body: Mapping[str, Any], name: str, allowed: type[E], default: E) -> E:
    value = body.get(name, default.value)
    if not isinstance(value, str) or value not in {member.value for member in allowed}:
        words = ", ".join(member.value for member in allowed)
        raise InvalidInput(f"'{name}' must be one of {words}, not {value!r}")
    return allowed(value)


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
    value = body.get("max_hops", DEFAULT_MAX_HOPS)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_HOPS_CAP:
        raise InvalidInput(f"'max_hops' must be a whole number from 0 to {MAX_HOPS_CAP}")
    return value


def media_ids(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The uploads to attach; how many of which kind is checked against the uploads."""
    value = body.get("media_ids", [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput("'media_ids' must be a list of media ids (from POST /api/v1/media)")
    found = tuple(dict.fromkeys(value))
    if len(found) > MAX_MEDIA:
        raise InvalidInput(f"'media_ids' has {len(found)} entries; at most {MAX_MEDIA}")
    return found


def circle_name(value: object) -> str:
    """A circle's name: 1-64 of a-z 0-9 _ - (starting with a letter or digit)."""
    if not isinstance(value, str) or not CIRCLE_NAME_RE.match(value):
        raise InvalidInput(
            f"circle name {value!r}: use 1 to 64 of a-z, 0-9, '_' and '-', "
            "starting with a letter or digit"
        )
    return value


def circle_of(body: Mapping[str, Any], visibility: Visibility) -> str | None:
    """The circle a circle call goes to: required with visibility "circle", refused without."""
    value = body.get("circle")
    if visibility is Visibility.CIRCLE:
        if value is None:
            raise InvalidInput("'circle' is required with visibility \"circle\": the circle's name")
        return circle_name(value)
    if value is not None:
        raise InvalidInput("'circle' goes with visibility \"circle\" only")
    return None


def strategy(body: Mapping[str, Any]) -> Draft:
    if body.get("visibility") == Visibility.CIRCLE or body.get("circle") is not None:
        raise InvalidInput('circles are for calls: a strategy cannot have visibility "circle"')
    fields = Fields(
        kind=Kind.STRATEGY,
        visibility=choice(body, "visibility", Visibility, Visibility.PUBLIC),
        title=text(body, "title", required=True, limit=LIMITS["title"]),
        summary=text(body, "summary", required=False, limit=LIMITS["summary"]) or None,
        language=language(body),
        themes=themes(body),
        regions=tuple(region(r) for r in text_list(body, "regions", LIMITS["label"])),
    )
    content = text(body, "content", required=True, limit=LIMITS["content"])
    return Draft(fields, content, media_ids(body))


def call(body: Mapping[str, Any], now: datetime) -> Draft:
    fields = Fields(
        kind=Kind.CALL,
        visibility=choice(body, "visibility", Visibility, Visibility.PUBLIC),
        title=text(body, "title", required=True, limit=LIMITS["title"]),
        language=language(body),
        themes=themes(body),
        regions=tuple(region(r) for r in text_list(body, "regions", LIMITS["label"])),
        actions=text_list(body, "actions", LIMITS["action"]),
        urgency=choice(body, "urgency", Urgency, Urgency.NORMAL),
        deadline=deadline(body, now),
        max_hops=max_hops(body),
    )
    content = text(body, "content", required=True, limit=LIMITS["content"])
    return Draft(fields, content, media_ids(body), circle_of(body, fields.visibility))


def revise(draft: Draft, changes: Mapping[str, Any], now: datetime) -> Draft:
    """A PATCH: the changed fields over the current ones, validated as a whole."""
    merged = draft.as_source() | dict(changes)
    return call(merged, now) if draft.kind is Kind.CALL else strategy(merged)


def from_source(kind: Kind, source: Mapping[str, Any]) -> Draft:
    """The stored author's input back as a Draft (no deadline check: it may have passed)."""
    moment = source.get("deadline")
    fields = Fields(
        kind=kind,
        visibility=Visibility(source.get("visibility", Visibility.PUBLIC)),
        title=source["title"],
        summary=source.get("summary") or None,
        language=source.get("language", "en"),
        urgency=urgency_of(source.get("urgency")),
        deadline=datetime.fromisoformat(moment) if moment else None,
        max_hops=source.get("max_hops"),
        regions=tuple(source.get("regions", [])),
        themes=tuple(source.get("themes", [])),
        actions=tuple(source.get("actions", [])),
    )
    return Draft(
        fields, source["content"], tuple(source.get("media_ids", [])), source.get("circle")
    )
