"""Cascade entries: each Create or Announce of a call this node has seen, once per activity id,
with its via and hop as sent, and the amplifier's advertised reach once looked up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.db import dialect_insert
from node.storage.tables import CascadeEntryRow

_TABLE: Table = CascadeEntryRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Entry:
    activity_iri: str
    object_iri: str
    type: str
    actor_iri: str
    via_iri: str | None
    hop: int | None
    at: datetime
    reach: int | None
    reach_at: datetime | None


def _view(row: CascadeEntryRow) -> Entry:
    return Entry(
        row.activity_iri,
        row.object_iri,
        row.type,
        row.actor_iri,
        row.via_iri,
        row.hop,
        row.at,
        row.reach,
        row.reach_at,
    )


async def add(
    session: AsyncSession,
    *,
    activity_iri: str,
    object_iri: str,
    type: str,
    actor_iri: str,
    via_iri: str | None,
    hop: int | None,
    at: datetime,
) -> bool:
    """Record the activity; False when it was already recorded."""
    statement = (
        dialect_insert(session, _TABLE)
        .values(
            activity_iri=activity_iri,
            object_iri=object_iri,
            type=type,
            actor_iri=actor_iri,
            via_iri=via_iri,
            hop=hop,
            at=at,
        )
        .on_conflict_do_nothing(index_elements=["activity_iri"])
        .returning(_TABLE.c.id)
    )
    return await session.scalar(statement) is not None


async def of_object(session: AsyncSession, object_iri: str) -> list[Entry]:
    rows = await session.scalars(
        select(CascadeEntryRow)
        .where(CascadeEntryRow.object_iri == object_iri)
        .order_by(CascadeEntryRow.at, CascadeEntryRow.id)
    )
    return [_view(row) for row in rows]


async def remove(session: AsyncSession, activity_iri: str) -> None:
    await session.execute(
        delete(CascadeEntryRow).where(CascadeEntryRow.activity_iri == activity_iri)
    )


async def set_reach(
    session: AsyncSession, actor_iri: str, reach: int | None, now: datetime
) -> None:
    """The actor's advertised follower count, on all its entries."""
    await session.execute(
        update(CascadeEntryRow)
        .where(CascadeEntryRow.actor_iri == actor_iri)
        .values(reach=reach, reach_at=now)
    )
