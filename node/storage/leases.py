"""Claiming due work rows with a lease, safely across processes.

A row is due when state = 'pending', next_attempt_at <= now and its lease (locked_until) is
free or expired. PostgreSQL claims with SELECT … FOR UPDATE SKIP LOCKED, so concurrent
workers never take the same row; SQLite serialises writers, so the UPDATE is atomic there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

PENDING = "pending"


async def claim_due(
    session: AsyncSession,
    table: Table,
    now: datetime,
    limit: int,
    lease: timedelta,
    columns: Sequence[ColumnElement[Any]],
) -> list[Row[Any]]:
    """Lease up to `limit` due rows of `table` until now + lease; their `columns`, by id.

    One UPDATE … WHERE id IN (due ids) RETURNING, in core SQL.
    """
    t = table.c
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
    claimed = await session.execute(
        update(table)
        .where(t.id.in_(due.scalar_subquery()))
        .values(locked_until=now + lease)
        .returning(t.id, *columns)
    )
    return sorted(claimed, key=lambda row: int(row[0]))


async def next_due(session: AsyncSession, table: Table, now: datetime) -> datetime | None:
    """The earliest next_attempt_at of pending rows no worker holds (their lease is free or
    ran out). One walk of the (state, next_attempt_at) index that passes over leased rows only:
    their number is bounded by what workers hold, whatever waits behind them."""
    t = table.c
    found: datetime | None = await session.scalar(
        select(t.next_attempt_at)
        .where(t.state == PENDING, or_(t.locked_until.is_(None), t.locked_until < now))
        .order_by(t.next_attempt_at)
        .limit(1)
    )
    return found
