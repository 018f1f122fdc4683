"""Claiming due work rows with a lease, safely across processes.

A row is due when state = 'pending', next_attempt_at <= now and its lease (locked_until) is
free or expired. PostgreSQL claims with SELECT … FOR UPDATE SKIP LOCKED, so concurrent
workers never take the same row; SQLite serialises writers, so the UPDATE is atomic there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

PENDING = "pending"
Row = TypeVar("Row")


async def claim_due(
    session: AsyncSession, table: type[Row], now: datetime, limit: int, lease: timedelta
) -> list[Row]:
    """Lease up to `limit` due rows of `table` until now + lease and return them."""
    t: Any = table
    due = (
        select(t.id)
        .where(
            t.state == PENDING,
            t.next_attempt_at <= now,
            or_(t.locked_until.is_(None), t.locked_until < now),
        )
        .order_by(t.next_attempt_at, t.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = await session.scalars(
        update(t)
        .where(t.id.in_(due.scalar_subquery()))
        .values(locked_until=now + lease)
        .returning(t),
        execution_options={"synchronize_session": False},
    )
    return sorted(rows, key=lambda row: row.id)


async def next_due(session: AsyncSession, table: type[Any]) -> datetime | None:
    """The earliest next_attempt_at of pending rows (leases aside)."""
    found: datetime | None = await session.scalar(
        select(table.next_attempt_at)
        .where(table.state == PENDING)
        .order_by(table.next_attempt_at)
        .limit(1)
    )
    return found
