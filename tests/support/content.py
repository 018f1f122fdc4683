"""Stored content for tests that write objects directly: readable keyword defaults (a public
call) turned into the Content that publishing and the inbox effects store."""

from __future__ import annotations

from typing import Any

from node.federation.runtime import Runtime
from node.publication import Content, Fields, Kind, Visibility, kind_of, urgency_of
from node.storage import objects
from node.storage.objects import StoredObject

CONTENT_KEYS = ("type", "body_text", "in_reply_to", "is_pledge")


def content(**given: Any) -> Content:
    """Content from flat keywords: Content's own (type, body_text, …) and any of Fields'
    (kind, visibility and urgency may be given as the words they stand for)."""
    own = {key: given.pop(key) for key in CONTENT_KEYS if key in given}
    kind = given.pop("kind", Kind.CALL)
    fields = Fields(
        kind=kind_of(kind),
        visibility=Visibility(given.pop("visibility", Visibility.PUBLIC)),
        urgency=urgency_of(given.pop("urgency", None)),
        summary=given.pop("summary_text", given.pop("summary", None)),
        regions=tuple(given.pop("regions", ())),
        themes=tuple(given.pop("themes", ())),
        **given,
    )
    return Content(type=own.pop("type", "Note"), fields=fields, **own)


async def kept_object(node: Runtime, iri: str, actor_iri: str, **given: Any) -> StoredObject:
    """An object the node keeps (a public call by default), stored directly: what reactions,
    replies and boosts in a test can be about."""
    async with node.db.transaction() as session:
        return await objects.put(
            session,
            iri=iri,
            actor_iri=actor_iri,
            content=content(**given),
            document={"id": iri, "type": "Note"},
            published=node.clock.now(),
            now=node.clock.now(),
        )
