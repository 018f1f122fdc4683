"""Allies of local organisations: one row per (organisation, ally actor IRI) with its policy,
and the organisation's circle to which it passes that ally's circle calls on (if any)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage import actors
from node.storage.actors import LocalActor
from node.storage.tables import ActorRow, AllyRow


@dataclass(frozen=True)
class Ally:
    id: int
    actor_id: int
    ally_iri: str
    amplify: str
    regions: tuple[str, ...]
    themes: tuple[str, ...]
    created_at: datetime
    circle_id: int | None = None


def _view(row: AllyRow) -> Ally:
    return Ally(
        row.id,
        row.actor_id,
        row.ally_iri,
        row.amplify,
        tuple(row.regions),
        tuple(row.themes),
        row.created_at,
        row.circle_id,
    )


async def put(
    session: AsyncSession,
    actor_id: int,
    ally_iri: str,
    amplify: str,
    regions: Sequence[str],
    themes: Sequence[str],
    now: datetime,
    circle_id: int | None = None,
) -> tuple[Ally, bool]:
    """Add the ally or change its policy (and the circle it passes circle calls on to);
    True when it is new."""
    row = await session.scalar(
        select(AllyRow).where(AllyRow.actor_id == actor_id, AllyRow.ally_iri == ally_iri)
    )
    created = row is None
    if row is None:
        row = AllyRow(actor_id=actor_id, ally_iri=ally_iri, created_at=now)
        session.add(row)
    row.amplify, row.regions, row.themes = amplify, list(regions), list(themes)
    row.circle_id = circle_id
    await session.flush()
    return _view(row), created


async def of_actor(session: AsyncSession, actor_id: int) -> list[Ally]:
    rows = await session.scalars(
        select(AllyRow).where(AllyRow.actor_id == actor_id).order_by(AllyRow.id)
    )
    return [_view(row) for row in rows]


async def naming(session: AsyncSession, ally_iri: str) -> list[Ally]:
    """Every local organisation's ally row for this actor."""
    rows = await session.scalars(
        select(AllyRow).where(AllyRow.ally_iri == ally_iri).order_by(AllyRow.id)
    )
    return [_view(row) for row in rows]


async def naming_with_organisations(
    session: AsyncSession, ally_iri: str
) -> list[tuple[Ally, LocalActor]]:
    """Every local organisation's ally row for this actor, with the organisation."""
    rows = await session.execute(
        select(AllyRow, ActorRow)
        .join(ActorRow, ActorRow.id == AllyRow.actor_id)
        .where(AllyRow.ally_iri == ally_iri)
        .order_by(AllyRow.id)
    )
    return [(_view(ally), actors.to_view(org)) for ally, org in rows]


async def of_pair(session: AsyncSession, actor_id: int, ally_iri: str) -> Ally | None:
    """The organisation's ally record for this actor, if it has one."""
    row = await session.scalar(
        select(AllyRow).where(AllyRow.actor_id == actor_id, AllyRow.ally_iri == ally_iri)
    )
    return None if row is None else _view(row)


async def organisations_with_ally(
    session: AsyncSession, ally_iri: str, actor_ids: Sequence[int]
) -> set[int]:
    """Which of these local organisations have this actor as an ally (any policy)."""
    if not actor_ids:
        return set()
    rows = await session.scalars(
        select(AllyRow.actor_id).where(
            AllyRow.ally_iri == ally_iri, AllyRow.actor_id.in_(list(actor_ids))
        )
    )
    return set(rows)


async def owned(session: AsyncSession, actor_id: int, ally_id: int) -> Ally | None:
    """The organisation's ally record with this id (None when it is another's, or none)."""
    row = await session.scalar(
        select(AllyRow).where(AllyRow.actor_id == actor_id, AllyRow.id == ally_id)
    )
    return None if row is None else _view(row)


async def remove(session: AsyncSession, actor_id: int, ally_id: int) -> bool:
    result = await session.execute(
        delete(AllyRow).where(AllyRow.actor_id == actor_id, AllyRow.id == ally_id)
    )
    return bool(getattr(result, "rowcount", 0))
