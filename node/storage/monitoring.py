"""What monitoring reads from the database: whether it answers (/readyz), and the work queues'
figures (pending, due and leased rows, how long the oldest unclaimed due one has waited).

Only pending rows are counted, through the (state, next_attempt_at) index of each queue, so a
scrape stays cheap however many delivered rows a node keeps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from node.metrics import QueueFigures
from node.storage.leases import PENDING
from node.storage.tables import DeliveryRow, InboxItemRow

QUEUES: dict[str, Any] = {"deliveries": DeliveryRow, "inbox": InboxItemRow}


async def ping(session: AsyncSession) -> None:
    """Raises unless the database answers a trivial query."""
    await session.execute(text("SELECT 1"))


async def queue_figures(session: AsyncSession, now: datetime) -> list[QueueFigures]:
    return [await _figures(session, name, table, now) for name, table in QUEUES.items()]


async def _figures(session: AsyncSession, name: str, table: Any, now: datetime) -> QueueFigures:
    due = table.next_attempt_at <= now
    leased = and_(table.locked_until.is_not(None), table.locked_until > now)
    statement = select(
        func.count(),
        func.coalesce(func.sum(case((due, 1), else_=0)), 0),
        func.coalesce(func.sum(case((leased, 1), else_=0)), 0),
    ).where(table.state == PENDING)
    pending, due_count, leased_count = (await session.execute(statement)).one()
    waiting = and_(table.state == PENDING, due, ~leased)  # due, and no worker holds it
    oldest: datetime | None = await session.scalar(
        select(func.min(table.next_attempt_at)).where(waiting)
    )
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return QueueFigures(name, int(pending), int(due_count), int(leased_count), age)
