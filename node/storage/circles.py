"""Circles of local organisations: a name per organisation, and the actors in each (by IRI).

A circle's name is unique per organisation; a member appears once per circle. Deleting a circle
deletes its members and clears the ally records that named it (ON DELETE SET NULL).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.db import dialect_insert
from node.storage.tables import CircleMemberRow, CircleRow


@dataclass(frozen=True)
class Circle:
    id: int
    actor_id: int
    name: str
    members: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


async def _members(session: AsyncSession, circle_id: int) -> tuple[str, ...]:
    rows = await session.scalars(
        select(CircleMemberRow.member_iri)
        .where(CircleMemberRow.circle_id == circle_id)
        .order_by(CircleMemberRow.id)
    )
    return tuple(rows)


async def _view(session: AsyncSession, row: CircleRow) -> Circle:
    members = await _members(session, row.id)
    return Circle(row.id, row.actor_id, row.name, members, row.created_at, row.updated_at)


async def named(session: AsyncSession, actor_id: int, name: str) -> Circle | None:
    row = await session.scalar(
        select(CircleRow).where(CircleRow.actor_id == actor_id, CircleRow.name == name)
    )
    return None if row is None else await _view(session, row)


async def by_id(session: AsyncSession, circle_id: int) -> Circle | None:
    row = await session.get(CircleRow, circle_id)
    return None if row is None else await _view(session, row)


async def of_actor(session: AsyncSession, actor_id: int) -> list[Circle]:
    rows = await session.scalars(
        select(CircleRow).where(CircleRow.actor_id == actor_id).order_by(CircleRow.name)
    )
    return [await _view(session, row) for row in rows]


async def create(session: AsyncSession, actor_id: int, name: str, now: datetime) -> Circle:
    row = CircleRow(actor_id=actor_id, name=name, created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    return Circle(row.id, actor_id, name, (), now, now)


async def add_members(
    session: AsyncSession, circle_id: int, member_iris: Iterable[str], now: datetime
) -> int:
    """Add members (those already in stay as they are); returns how many were new."""
    added = 0
    for iri in dict.fromkeys(member_iris):
        statement = (
            dialect_insert(session, CircleMemberRow)
            .values(circle_id=circle_id, member_iri=iri, created_at=now)
            .on_conflict_do_nothing(index_elements=["circle_id", "member_iri"])
            .returning(CircleMemberRow.id)
        )
        added += await session.scalar(statement) is not None
    await _touch(session, circle_id, now)
    return added


async def remove_members(
    session: AsyncSession, circle_id: int, member_iris: Iterable[str], now: datetime
) -> int:
    result = await session.execute(
        delete(CircleMemberRow).where(
            CircleMemberRow.circle_id == circle_id,
            CircleMemberRow.member_iri.in_(list(member_iris)),
        )
    )
    await _touch(session, circle_id, now)
    return int(getattr(result, "rowcount", 0) or 0)


async def _touch(session: AsyncSession, circle_id: int, now: datetime) -> None:
    row = await session.get(CircleRow, circle_id)
    if row is not None:
        row.updated_at = now
    await session.flush()


async def delete_circle(session: AsyncSession, circle_id: int) -> None:
    await session.execute(delete(CircleRow).where(CircleRow.id == circle_id))
