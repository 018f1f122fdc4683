"""Typed view of a received Flag (a report): who reports, the actors and objects it names
(at most MAX_OBJECTS), and the comment as plain text (at most MAX_COMMENT characters)."""

from __future__ import annotations

from dataclasses import dataclass

from node.activitypub.objects import ActivityView, id_of
from node.activitypub.sanitize import html_to_text

MAX_OBJECTS = 50
MAX_COMMENT = 5000


@dataclass(frozen=True)
class FlagView:
    iri: str
    reporter: str
    objects: tuple[str, ...]
    comment: str

    @classmethod
    def from_activity(cls, activity: ActivityView) -> FlagView:
        raw = activity.document.get("object")
        items = raw if isinstance(raw, list) else [raw]
        objects = [iri for iri in map(id_of, items[:MAX_OBJECTS]) if iri]
        content = activity.document.get("content")
        text = content[: 4 * MAX_COMMENT] if isinstance(content, str) else ""
        comment = html_to_text(text)[:MAX_COMMENT]
        return cls(activity.iri, activity.actor, tuple(dict.fromkeys(objects)), comment)
