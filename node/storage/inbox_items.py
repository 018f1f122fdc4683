"""Screened incoming activities: stored once per activity id, then processed by the worker.

States: pending -> done, or failed after MAX_ATTEMPTS (an effect that keeps raising).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage import leases
from node.storage.tables import InboxItemRow

DONE = "done"
FAILED = "failed"
REJECTED = "rejected"
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class InboxItem:
    id: int
    activity_iri: str
    actor_iri: str
    type: str
    recipient: str | None
    document: dict[str, Any]
    attempts: int


async def store(
    session: AsyncSession,
    *,
    activity_iri: str,
    actor_iri: str,
    type: str,
    recipient: str | None,
    document: dict[str, Any],
    now: datetime,
) -> bool:
    """Store the activity unless its id was seen before; True when it is new."""
    exists = await session.scalar(
        select(InboxItemRow.id).where(InboxItemRow.activity_iri == activity_iri)
    )
    if exists is not None:
        return False
    row = InboxItemRow(
        activity_iri=activity_iri,
        actor_iri=actor_iri,
        type=type,
        recipient=recipient,
        document=document,
        state=leases.PENDING,
        attempts=0,
        next_attempt_at=now,
        received_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False  # the same activity arrived concurrently
    return True


async def claim(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta
) -> list[InboxItem]:
    rows = await leases.claim_due(session, InboxItemRow, now, limit, lease)
    return [
        InboxItem(r.id, r.activity_iri, r.actor_iri, r.type, r.recipient, r.document, r.attempts)
        for r in rows
    ]


async def finish(session: AsyncSession, item_id: int, now: datetime) -> None:
    row = await session.get_one(InboxItemRow, item_id)
    row.state, row.done_at, row.locked_until = DONE, now, None
    row.attempts += 1


async def retry(session: AsyncSession, item_id: int, now: datetime, error: str) -> None:
    row = await session.get_one(InboxItemRow, item_id)
    row.attempts += 1
    row.last_error = error[:2000]
    row.locked_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.state = FAILED
        return
    row.next_attempt_at = now + timedelta(seconds=30 * 2**row.attempts)


async def next_due(session: AsyncSession) -> datetime | None:
    return await leases.next_due(session, InboxItemRow)


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(InboxItemRow.state, func.count()).group_by(InboxItemRow.state)
    )
    return {state: int(count) for state, count in rows}


async def reject(session: AsyncSession, item_id: int, now: datetime, reason: str) -> None:
    """Processed and refused for good (origin rules, malformed object): kept for the record."""
    row = await session.get_one(InboxItemRow, item_id)
    row.state, row.done_at, row.locked_until = REJECTED, now, None
    row.attempts += 1
    row.last_error = reason[:2000]
