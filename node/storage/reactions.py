"""Likes and Announces received, one row per activity id; an Undo removes the row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.db import dialect_insert
from node.storage.tables import ReactionRow

_TABLE: Table = ReactionRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Reaction:
    activity_iri: str
    type: str
    actor_iri: str
    object_iri: str
    created_at: datetime


async def add(
    session: AsyncSession,
    *,
    activity_iri: str,
    type: str,
    actor_iri: str,
    object_iri: str,
    document: dict[str, Any],
    now: datetime,
) -> bool:
    """Keep the reaction; False when this activity was already kept."""
    statement = (
        dialect_insert(session, _TABLE)
        .values(
            activity_iri=activity_iri,
            type=type,
            actor_iri=actor_iri,
            object_iri=object_iri,
            document=document,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["activity_iri"])
        .returning(_TABLE.c.id)
    )
    return await session.scalar(statement) is not None


async def get(session: AsyncSession, activity_iri: str) -> Reaction | None:
    row = await session.scalar(select(ReactionRow).where(ReactionRow.activity_iri == activity_iri))
    if row is None:
        return None
    return Reaction(row.activity_iri, row.type, row.actor_iri, row.object_iri, row.created_at)


async def find(
    session: AsyncSession, type: str, actor_iri: str, object_iri: str
) -> Reaction | None:
    row = await session.scalar(
        select(ReactionRow).where(
            ReactionRow.type == type,
            ReactionRow.actor_iri == actor_iri,
            ReactionRow.object_iri == object_iri,
        )
    )
    if row is None:
        return None
    return Reaction(row.activity_iri, row.type, row.actor_iri, row.object_iri, row.created_at)


async def remove(session: AsyncSession, activity_iri: str) -> None:
    await session.execute(delete(ReactionRow).where(ReactionRow.activity_iri == activity_iri))


async def for_object(session: AsyncSession, object_iri: str) -> list[Reaction]:
    rows = await session.scalars(
        select(ReactionRow).where(ReactionRow.object_iri == object_iri).order_by(ReactionRow.id)
    )
    return [Reaction(r.activity_iri, r.type, r.actor_iri, r.object_iri, r.created_at) for r in rows]


async def announce_documents(session: AsyncSession, object_iri: str) -> list[dict[str, Any]]:
    """The Announces received of an object, as stored (with their addressing)."""
    rows = await session.scalars(
        select(ReactionRow.document)
        .where(ReactionRow.object_iri == object_iri, ReactionRow.type == "Announce")
        .order_by(ReactionRow.id)
    )
    return list(rows)
