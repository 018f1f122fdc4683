"""Content objects, local and received: stored by IRI with their searchable fields and labels,
updated in place, deleted to tombstones.

A row's `document` is the AS2 object as served (local) or as received (remote); the columns
beside it are what filtering, search and the API read without parsing JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.publication import (
    LISTED,
    Content,
    Fields,
    Kind,
    Visibility,
    kind_of,
    urgency_of,
)
from node.storage.db import dialect_insert
from node.storage.tables import ObjectLabelRow, ObjectRow

REGION = "region"
THEME = "theme"
MAX_TAIL = 255


@dataclass(frozen=True)
class StoredObject:
    id: int
    iri: str
    actor_iri: str
    local_actor_id: int | None
    key: str | None
    content: Content
    document: dict[str, Any]
    source: dict[str, Any] | None
    published: datetime
    updated_at: datetime | None
    deleted_at: datetime | None
    pinned_at: datetime | None

    @property
    def type(self) -> str:
        return self.content.type

    @property
    def fields(self) -> Fields:
        return self.content.fields

    @property
    def kind(self) -> Kind | None:
        return self.content.fields.kind

    @property
    def visibility(self) -> Visibility:
        return self.content.fields.visibility


def _content(row: ObjectRow, labels: Sequence[tuple[str, str]] = ()) -> Content:
    fields = Fields(
        kind=kind_of(row.kind),
        visibility=Visibility(row.visibility),
        title=row.title,
        summary=row.summary_text,
        language=row.language,
        urgency=urgency_of(row.urgency),
        deadline=row.deadline,
        max_hops=row.max_hops,
        regions=tuple(v for k, v in labels if k == REGION),
        themes=tuple(v for k, v in labels if k == THEME),
        actions=tuple(row.actions or ()),
    )
    return Content(row.type, fields, row.body_text, row.in_reply_to, row.is_pledge)


def to_view(row: ObjectRow, labels: Sequence[tuple[str, str]] = ()) -> StoredObject:
    return StoredObject(
        id=row.id,
        iri=row.iri,
        actor_iri=row.actor_iri,
        local_actor_id=row.local_actor_id,
        key=row.key,
        content=_content(row, labels),
        document=row.document,
        source=row.source,
        published=row.published,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        pinned_at=row.pinned_at,
    )


def tail_of(iri: str) -> str | None:
    """The last path segment of an id: how the API names an object (its `{key}`)."""
    path = iri.partition("#")[0].partition("?")[0].rstrip("/")
    tail = path.rpartition("/")[2]
    return tail if tail and len(tail) <= MAX_TAIL else None


async def labels_of(session: AsyncSession, object_id: int) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(ObjectLabelRow.label, ObjectLabelRow.text)
        .where(ObjectLabelRow.object_id == object_id)
        .order_by(ObjectLabelRow.id)
    )
    return [(label, value) for label, value in rows]


async def get(session: AsyncSession, iri: str) -> StoredObject | None:
    row = await session.scalar(select(ObjectRow).where(ObjectRow.iri == iri))
    return None if row is None else to_view(row, await labels_of(session, row.id))


async def by_key(session: AsyncSession, key: str) -> StoredObject | None:
    row = await session.scalar(select(ObjectRow).where(ObjectRow.key == key))
    return None if row is None else to_view(row, await labels_of(session, row.id))


async def put(
    session: AsyncSession,
    *,
    iri: str,
    actor_iri: str,
    content: Content,
    document: dict[str, Any],
    published: datetime,
    now: datetime,
    local_actor_id: int | None = None,
    key: str | None = None,
    source: dict[str, Any] | None = None,
) -> StoredObject:
    """Insert the object, or replace what it says (an Update); labels follow the fields."""
    row = await session.scalar(select(ObjectRow).where(ObjectRow.iri == iri))
    if row is None:
        row = ObjectRow(
            iri=iri,
            actor_iri=actor_iri,
            local_actor_id=local_actor_id,
            key=key,
            tail=tail_of(iri),
            published=published,
            stored_at=now,
        )
        session.add(row)
    else:
        row.updated_at = now
    row.document, row.source = document, source
    _apply(row, content)
    await session.flush()
    fields = content.fields
    await _set_labels(session, row.id, fields)
    return to_view(row, [(REGION, r) for r in fields.regions] + [(THEME, t) for t in fields.themes])


@dataclass(frozen=True)
class Received:
    """A received object to keep: what put() takes for one that is not local."""

    iri: str
    actor_iri: str
    content: Content
    document: dict[str, Any]
    published: datetime


def _columns(content: Content) -> dict[str, Any]:
    fields = content.fields
    return {
        "type": content.type,
        "kind": fields.kind,
        "visibility": fields.visibility,
        "title": fields.title,
        "summary_text": fields.summary,
        "body_text": content.body_text,
        "language": fields.language,
        "urgency": fields.urgency,
        "deadline": fields.deadline,
        "max_hops": fields.max_hops,
        "actions": list(fields.actions),
        "in_reply_to": content.in_reply_to,
        "is_pledge": content.is_pledge,
    }


async def put_received(
    session: AsyncSession, received: Sequence[Received], now: datetime
) -> tuple[dict[str, StoredObject], set[str]]:
    """Keep received objects not known yet, all in one INSERT … ON CONFLICT DO NOTHING (a
    second Create of a known object changes nothing) and one INSERT of their labels; returns
    every one's stored view by IRI (known ones as they were), and the IRIs of those new."""
    if not received:
        return {}, set()
    table = ObjectRow.__table__
    rows = [
        {
            "iri": r.iri,
            "actor_iri": r.actor_iri,
            "tail": tail_of(r.iri),
            "document": r.document,
            "published": r.published,
            "stored_at": now,
        }
        | _columns(r.content)
        for r in received
    ]
    statement = (
        dialect_insert(session, table)
        .on_conflict_do_nothing(index_elements=["iri"])
        .returning(table.c.id, table.c.iri)
    )
    inserted = {iri: object_id for object_id, iri in await session.execute(statement, rows)}
    found: dict[str, StoredObject] = {}
    labels: list[dict[str, Any]] = []
    for item in received:
        object_id = inserted.pop(item.iri, None)  # a repeat in the batch is not new twice
        if object_id is None:
            continue
        labels += [{"object_id": object_id} | row for row in _label_rows(item.content.fields)]
        found[item.iri] = _received_view(object_id, item)
    new = set(found)
    if labels:
        await session.execute(ObjectLabelRow.__table__.insert(), labels)  # type: ignore[attr-defined]
    for item in received:
        if item.iri not in found and (known := await get(session, item.iri)) is not None:
            found[item.iri] = known
    return found, new


def _received_view(object_id: int, item: Received) -> StoredObject:
    return StoredObject(
        id=object_id,
        iri=item.iri,
        actor_iri=item.actor_iri,
        local_actor_id=None,
        key=None,
        content=item.content,
        document=item.document,
        source=None,
        published=item.published,
        updated_at=None,
        deleted_at=None,
        pinned_at=None,
    )


def _apply(row: ObjectRow, content: Content) -> None:
    fields = content.fields
    row.type, row.kind, row.visibility = content.type, fields.kind, fields.visibility
    row.title, row.summary_text, row.body_text = fields.title, fields.summary, content.body_text
    row.language, row.urgency, row.deadline = fields.language, fields.urgency, fields.deadline
    row.max_hops, row.actions = fields.max_hops, list(fields.actions)
    row.in_reply_to, row.is_pledge = content.in_reply_to, content.is_pledge


def label_value(text: str) -> str:
    """Labels match case-insensitively: stored folded, without surrounding space or '#'."""
    return text.strip().lstrip("#").casefold()[:200]


def _label_rows(fields: Fields) -> list[dict[str, str]]:
    wanted: dict[tuple[str, str], str] = {}
    for label, texts in ((REGION, fields.regions), (THEME, fields.themes)):
        for text in texts:
            wanted.setdefault((label, label_value(text)), text.strip()[:200])
    return [
        {"label": label, "value": value, "text": text}
        for (label, value), text in wanted.items()
        if value
    ]


async def _set_labels(session: AsyncSession, object_id: int, fields: Fields) -> None:
    await session.execute(delete(ObjectLabelRow).where(ObjectLabelRow.object_id == object_id))
    session.add_all(ObjectLabelRow(object_id=object_id, **row) for row in _label_rows(fields))
    await session.flush()


async def tombstone(
    session: AsyncSession, iri: str, document: dict[str, Any], now: datetime
) -> None:
    row = await session.scalar(select(ObjectRow).where(ObjectRow.iri == iri))
    if row is not None:
        row.deleted_at, row.updated_at, row.document = now, now, document
        row.pinned_at, row.body_text, row.source = None, "", None
        await session.execute(delete(ObjectLabelRow).where(ObjectLabelRow.object_id == row.id))


async def calls_to_close(session: AsyncSession, now: datetime, limit: int) -> list[StoredObject]:
    """Local calls whose deadline has passed and whose closing Update was not sent yet (deleted
    ones too, to be set aside), the earliest deadline first: a range of ix_objects_open_calls."""
    rows = await session.scalars(
        select(ObjectRow)
        .where(
            ObjectRow.local_actor_id.is_not(None),
            ObjectRow.closed_at.is_(None),
            ObjectRow.deadline <= now,
        )
        .order_by(ObjectRow.deadline)
        .limit(limit)
    )
    return [to_view(row, await labels_of(session, row.id)) for row in rows]


async def next_deadline(session: AsyncSession) -> datetime | None:
    """The earliest deadline of a local call not closed yet (the same index)."""
    found: datetime | None = await session.scalar(
        select(func.min(ObjectRow.deadline)).where(
            ObjectRow.local_actor_id.is_not(None), ObjectRow.closed_at.is_(None)
        )
    )
    return found


async def mark_closed(session: AsyncSession, iri: str, now: datetime) -> None:
    await session.execute(update(ObjectRow).where(ObjectRow.iri == iri).values(closed_at=now))


async def set_pinned(session: AsyncSession, iri: str, when: datetime | None) -> None:
    row = await session.scalar(select(ObjectRow).where(ObjectRow.iri == iri))
    if row is not None:
        row.pinned_at = when


async def count_received(session: AsyncSession) -> int:
    total = await session.scalar(
        select(func.count()).select_from(ObjectRow).where(ObjectRow.local_actor_id.is_(None))
    )
    return int(total or 0)


async def replies_to(
    session: AsyncSession, iri: str, *, visibilities: Sequence[Visibility] = tuple(LISTED)
) -> list[StoredObject]:
    rows = await session.scalars(
        select(ObjectRow)
        .where(
            ObjectRow.in_reply_to == iri,
            ObjectRow.deleted_at.is_(None),
            ObjectRow.visibility.in_(visibilities),
        )
        .order_by(ObjectRow.published, ObjectRow.id)
    )
    return [to_view(row) for row in rows]


async def published_by(
    session: AsyncSession, local_actor_id: int, limit: int = 20
) -> list[StoredObject]:
    """A local actor's listed strategies and calls, newest first (for its profile page)."""
    rows = await session.scalars(
        select(ObjectRow)
        .where(
            ObjectRow.local_actor_id == local_actor_id,
            ObjectRow.kind.in_(tuple(Kind)),
            ObjectRow.deleted_at.is_(None),
            ObjectRow.visibility.in_(LISTED),
        )
        .order_by(ObjectRow.pinned_at.is_(None), ObjectRow.published.desc(), ObjectRow.id.desc())
        .limit(limit)
    )
    return [to_view(row) for row in rows]
