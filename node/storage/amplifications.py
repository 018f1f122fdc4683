"""Amplifications: at most one row per (organisation, call), claimed by insertion.

claim() inserts under the unique (actor_id, object_iri) constraint, so concurrent workers and
every path of a cascade agree on one winner. States: pending (manual policy, awaiting a member),
sent, rejected, withdrawn (the call was deleted or undone before approval).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.db import dialect_insert
from node.storage.tables import AmplificationRow

PENDING = "pending"
SENT = "sent"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

_TABLE: Table = AmplificationRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Amplification:
    id: int
    actor_id: int
    object_iri: str
    state: str
    through_iri: str | None
    via_iri: str | None
    hop: int
    announce_iri: str | None
    created_at: datetime


def _view(row: AmplificationRow) -> Amplification:
    return Amplification(
        row.id,
        row.actor_id,
        row.object_iri,
        row.state,
        row.through_iri,
        row.via_iri,
        row.hop,
        row.announce_iri,
        row.created_at,
    )


async def claim(
    session: AsyncSession,
    *,
    actor_id: int,
    object_iri: str,
    state: str,
    through_iri: str | None,
    via_iri: str | None,
    hop: int,
    announce_iri: str | None,
    now: datetime,
) -> Amplification | None:
    """The new row, or None when this organisation already has one for the call."""
    values = {
        "actor_id": actor_id,
        "object_iri": object_iri,
        "state": state,
        "through_iri": through_iri,
        "via_iri": via_iri,
        "hop": hop,
        "announce_iri": announce_iri,
        "created_at": now,
        "decided_at": now if state == SENT else None,
    }
    statement = (
        dialect_insert(session, _TABLE)
        .values(values)
        .on_conflict_do_nothing(index_elements=["actor_id", "object_iri"])
        .returning(_TABLE.c.id)
    )
    new_id = await session.scalar(statement)
    if new_id is None:
        return None
    return Amplification(
        new_id, actor_id, object_iri, state, through_iri, via_iri, hop, announce_iri, now
    )


async def get(session: AsyncSession, amplification_id: int) -> Amplification | None:
    row = await session.get(AmplificationRow, amplification_id)
    return _view(row) if row is not None else None


async def find(session: AsyncSession, actor_id: int, object_iri: str) -> Amplification | None:
    row = await session.scalar(
        select(AmplificationRow).where(
            AmplificationRow.actor_id == actor_id, AmplificationRow.object_iri == object_iri
        )
    )
    return _view(row) if row is not None else None


async def pending_of(session: AsyncSession, actor_id: int) -> list[Amplification]:
    rows = await session.scalars(
        select(AmplificationRow)
        .where(AmplificationRow.actor_id == actor_id, AmplificationRow.state == PENDING)
        .order_by(AmplificationRow.id)
    )
    return [_view(row) for row in rows]


async def decide(
    session: AsyncSession,
    amplification_id: int,
    state: str,
    announce_iri: str | None,
    now: datetime,
) -> bool:
    """Move a pending row on; False when it was no longer pending (decided elsewhere)."""
    result = await session.execute(
        update(AmplificationRow)
        .where(AmplificationRow.id == amplification_id, AmplificationRow.state == PENDING)
        .values(state=state, announce_iri=announce_iri, decided_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def withdraw_pending(session: AsyncSession, object_iri: str, now: datetime) -> int:
    result = await session.execute(
        update(AmplificationRow)
        .where(AmplificationRow.object_iri == object_iri, AmplificationRow.state == PENDING)
        .values(state=WITHDRAWN, decided_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def of_object(session: AsyncSession, object_iri: str) -> list[Amplification]:
    rows = await session.scalars(
        select(AmplificationRow)
        .where(AmplificationRow.object_iri == object_iri)
        .order_by(AmplificationRow.id)
    )
    return [_view(row) for row in rows]
