"""Content objects, local and received: stored by IRI, updated in place, deleted to tombstones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.tables import ObjectRow


@dataclass(frozen=True)
class StoredObject:
    id: int
    iri: str
    actor_iri: str
    local_actor_id: int | None
    type: str
    kind: str | None
    visibility: str
    document: dict[str, Any]
    published: datetime
    updated_at: datetime | None
    deleted_at: datetime | None


def _view(row: ObjectRow) -> StoredObject:
    return StoredObject(
        row.id,
        row.iri,
        row.actor_iri,
        row.local_actor_id,
        row.type,
        row.kind,
        row.visibility,
        row.document,
        row.published,
        row.updated_at,
        row.deleted_at,
    )


async def get(session: AsyncSession, iri: str) -> StoredObject | None:
    row = await session.scalar(select(ObjectRow).where(ObjectRow.iri == iri))
    return None if row is None else _view(row)


async def put_remote(
    session: AsyncSession,
    *,
    iri: str,
    actor_iri: str,
    type: str,
    kind: str | None,
    visibility: str,
    document: dict[str, Any],
    published: datetime,
    now: datetime,
) -> StoredObject:
    """Insert a received object, or replace its document (an Update)."""
    row = await session.scalar(select(ObjectRow).where(ObjectRow.iri == iri))
    if row is None:
        row = ObjectRow(iri=iri, actor_iri=actor_iri, published=published)
        session.add(row)
    else:
        row.updated_at = now
    row.type, row.kind, row.visibility, row.document = type, kind, visibility, document
    await session.flush()
    return _view(row)


async def tombstone(
    session: AsyncSession, iri: str, document: dict[str, Any], now: datetime
) -> None:
    row = await session.scalar(select(ObjectRow).where(ObjectRow.iri == iri))
    if row is not None:
        row.deleted_at, row.updated_at, row.document = now, now, document


async def count_received(session: AsyncSession) -> int:
    total = await session.scalar(
        select(func.count()).select_from(ObjectRow).where(ObjectRow.local_actor_id.is_(None))
    )
    return int(total or 0)
