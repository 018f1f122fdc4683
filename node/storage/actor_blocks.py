"""Organisations' blocks of remote actors: one row per (organisation, actor), with the id of
the Block activity that was sent. Every change bumps the policy version, so the inboxes of
every process refuse the blocked actor within a second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage import federation_policy
from node.storage.db import dialect_insert
from node.storage.tables import ActorBlockRow

LIST_LIMIT = 1000


@dataclass(frozen=True)
class ActorBlock:
    id: int
    actor_id: int
    blocked_iri: str
    block_iri: str
    created_at: datetime


def _view(row: ActorBlockRow) -> ActorBlock:
    return ActorBlock(row.id, row.actor_id, row.blocked_iri, row.block_iri, row.created_at)


async def get(session: AsyncSession, actor_id: int, blocked_iri: str) -> ActorBlock | None:
    row = await session.scalar(
        select(ActorBlockRow).where(
            ActorBlockRow.actor_id == actor_id, ActorBlockRow.blocked_iri == blocked_iri
        )
    )
    return None if row is None else _view(row)


async def add(
    session: AsyncSession, actor_id: int, blocked_iri: str, block_iri: str, now: datetime
) -> bool:
    """Record the block; False when the organisation had already blocked that actor."""
    statement = (
        dialect_insert(session, ActorBlockRow)
        .values(actor_id=actor_id, blocked_iri=blocked_iri, block_iri=block_iri, created_at=now)
        .on_conflict_do_nothing(index_elements=["actor_id", "blocked_iri"])
        .returning(ActorBlockRow.id)
    )
    added = await session.scalar(statement) is not None
    if added:
        await federation_policy.bump(session, now)
    return added


async def remove(session: AsyncSession, actor_id: int, blocked_iri: str, now: datetime) -> bool:
    result = await session.execute(
        delete(ActorBlockRow).where(
            ActorBlockRow.actor_id == actor_id, ActorBlockRow.blocked_iri == blocked_iri
        )
    )
    await federation_policy.bump(session, now)
    return bool(getattr(result, "rowcount", 0))


async def of_actor(
    session: AsyncSession, actor_id: int, limit: int = LIST_LIMIT
) -> list[ActorBlock]:
    rows = await session.scalars(
        select(ActorBlockRow)
        .where(ActorBlockRow.actor_id == actor_id)
        .order_by(ActorBlockRow.id)
        .limit(limit)
    )
    return [_view(row) for row in rows]
