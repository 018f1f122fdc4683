"""Delivery rows: one per (activity, inbox), claimed with a lease, finished once.

A row is `pending` until it is `delivered` or `failed` (final). claim_due() leases rows
atomically: FOR UPDATE SKIP LOCKED on PostgreSQL, the single-writer lock on SQLite (the
claim must be the first statement of its transaction there), the most urgent first (a row's
priority is its call's urgency). Outcomes only change rows that are still pending, so a late
writer cannot undo another worker's result. A row may expire (its call's deadline): the queue
stops retrying it then.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import zip_longest
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage import actors, leases, wakeups
from node.storage.actors import LocalActor
from node.storage.db import dialect_insert
from node.storage.tables import ActorRow, DeliveryRow
from node.storage.types import UTCDateTime
from node.urls import authority

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
LOW, NORMAL, HIGH, CRITICAL = 0, 1, 2, 3  # priorities, from a call's urgency
PRIORITIES = (CRITICAL, HIGH, NORMAL, LOW)  # the order claims take them in
INSERT_CHUNK = 500
ERROR_LIMIT = 1000

_TABLE: Table = DeliveryRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Claimed:
    id: int
    activity_iri: str
    actor_id: int
    inbox_url: str
    host: str
    body: str
    attempts: int
    created_at: datetime
    priority: int = NORMAL
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Result:
    """A new state for a claimed row. attempted: it was POSTed (attempts grows by one)."""

    id: int
    state: str
    attempted: bool
    next_attempt_at: datetime | None = None
    status: int | None = None
    error: str | None = None

    @classmethod
    def delivered(cls, row_id: int, status: int) -> Result:
        return cls(row_id, DELIVERED, attempted=True, status=status)

    @classmethod
    def retry_at(
        cls, row_id: int, at: datetime, status: int | None, error: str | None, *, attempted: bool
    ) -> Result:
        return cls(row_id, PENDING, attempted, next_attempt_at=at, status=status, error=error)

    @classmethod
    def failed(cls, row_id: int, status: int | None, error: str, *, attempted: bool) -> Result:
        return cls(row_id, FAILED, attempted, status=status, error=error)

    @classmethod
    def released(cls, row_id: int) -> Result:
        """Back to the queue as it was, lease dropped (the attempt did not happen)."""
        return cls(row_id, PENDING, attempted=False)


@dataclass(frozen=True)
class DeliveryCounts:
    pending: int = 0
    delivered: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.delivered + self.failed


async def enqueue(
    session: AsyncSession,
    activity_iri: str,
    actor_id: int,
    body: str,
    inboxes: Iterable[str],
    now: datetime,
    *,
    priority: int = NORMAL,
    expires_at: datetime | None = None,
) -> int:
    """Store one pending row per inbox, hosts interleaved; rows that exist for (activity,
    inbox) are kept as they are. Returns how many rows were new."""
    rows = [
        {
            "activity_iri": activity_iri,
            "actor_id": actor_id,
            "inbox_url": inbox,
            "host": authority(inbox),
            "body": body,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "priority": priority,
            "expires_at": expires_at,
        }
        for inbox in interleave_hosts(inboxes)
    ]
    added = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = (
            _insert(session)
            .values(rows[start : start + INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["activity_iri", "inbox_url"])
            .returning(_TABLE.c.id)
        )
        added += len((await session.execute(statement)).all())
    if added:
        await wakeups.notify_in(session, wakeups.DELIVERIES)
    return added


def interleave_hosts(inboxes: Iterable[str]) -> list[str]:
    """Distinct inboxes with hosts taking turns (a1 b1 c1 a2 b2 …), so that rows claimed
    in id order spread over many hosts instead of queueing behind one."""
    by_host: dict[str, list[str]] = {}
    for inbox in dict.fromkeys(inboxes):
        by_host.setdefault(authority(inbox), []).append(inbox)
    turns = zip_longest(*by_host.values())
    return [inbox for turn in turns for inbox in turn if inbox is not None]


def _insert(session: AsyncSession) -> Any:
    return dialect_insert(session, _TABLE)


def _claimable(now: datetime) -> Any:
    return and_(
        _TABLE.c.state == PENDING,
        _TABLE.c.next_attempt_at <= now,
        or_(_TABLE.c.locked_until.is_(None), _TABLE.c.locked_until < now),
    )


async def claim_due(
    session: AsyncSession,
    now: datetime,
    limit: int,
    lease: timedelta,
    *,
    exclude_hosts: Collection[str] = (),
) -> list[Claimed]:
    """Lease up to `limit` due rows until now + lease, and return them: the most urgent first,
    then the oldest due. One statement per priority, each an index range of
    (state, priority, next_attempt_at), until `limit` rows are taken.

    Rows leased by another worker are skipped, not waited for. exclude_hosts: hosts the
    caller has no room for right now.
    """
    claimed: list[Claimed] = []
    for priority in PRIORITIES:
        room = limit - len(claimed)
        if room <= 0:
            break
        claimed += await _claim_at(session, now, room, lease, priority, exclude_hosts)
    return claimed


async def _claim_at(
    session: AsyncSession,
    now: datetime,
    limit: int,
    lease: timedelta,
    priority: int,
    exclude_hosts: Collection[str],
) -> list[Claimed]:
    due = select(_TABLE.c.id).where(_claimable(now), _TABLE.c.priority == priority)
    if exclude_hosts:
        due = due.where(_TABLE.c.host.not_in(list(exclude_hosts)))
    due = (
        due.order_by(_TABLE.c.next_attempt_at, _TABLE.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(_TABLE)
        .where(_TABLE.c.id.in_(due.scalar_subquery()))
        .values(locked_until=now + lease)
        .returning(*(_TABLE.c[name] for name in Claimed.__dataclass_fields__))
    )
    rows = (await session.execute(statement)).mappings().all()
    return sorted((Claimed(**row) for row in rows), key=lambda c: c.id)


async def renew(session: AsyncSession, ids: Collection[int], until: datetime) -> None:
    """Extend the lease of rows a worker still holds (pending ones only)."""
    if ids:
        await session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(list(ids)), _TABLE.c.state == PENDING)
            .values(locked_until=until)
        )


def _record_statement() -> Any:
    return (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.state == PENDING)
        .values(
            state=bindparam("b_state"),
            attempts=_TABLE.c.attempts + bindparam("b_tried"),
            next_attempt_at=func.coalesce(
                bindparam("b_next", type_=UTCDateTime()), _TABLE.c.next_attempt_at
            ),
            locked_until=None,
            last_status=func.coalesce(bindparam("b_status"), _TABLE.c.last_status),
            last_error=func.coalesce(bindparam("b_error"), _TABLE.c.last_error),
            delivered_at=bindparam("b_delivered", type_=UTCDateTime()),
        )
    )


async def record(session: AsyncSession, results: Sequence[Result], now: datetime) -> None:
    """Write outcomes (one statement for the lot) and release the rows' leases."""
    if not results:
        return
    params = [
        {
            "b_id": r.id,
            "b_state": r.state,
            "b_tried": 1 if r.attempted else 0,
            "b_next": r.next_attempt_at if r.state == PENDING else None,
            "b_status": r.status,
            "b_error": r.error[:ERROR_LIMIT] if r.error else None,
            "b_delivered": now if r.state == DELIVERED else None,
        }
        for r in results
    ]
    connection = await session.connection()
    await connection.execute(_record_statement(), params)


async def bring_forward(session: AsyncSession, host: str, now: datetime) -> int:
    """Make every pending row of a host due now (it answers again); returns how many."""
    result = await session.execute(
        update(_TABLE)
        .where(_TABLE.c.host == host, _TABLE.c.state == PENDING, _TABLE.c.next_attempt_at > now)
        .values(next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def next_due(session: AsyncSession, now: datetime) -> datetime | None:
    """When the earliest pending row no worker holds may be claimed (see leases.next_due)."""
    return await leases.next_due(session, _TABLE, now)


async def counts(session: AsyncSession, activity_iri: str | None = None) -> DeliveryCounts:
    """Rows by state, for one activity or (without one) for all."""
    statement = select(_TABLE.c.state, func.count()).group_by(_TABLE.c.state)
    if activity_iri is not None:
        statement = statement.where(_TABLE.c.activity_iri == activity_iri)
    found = {state: int(n) for state, n in await session.execute(statement)}
    return DeliveryCounts(found.get(PENDING, 0), found.get(DELIVERED, 0), found.get(FAILED, 0))


async def senders(session: AsyncSession, actor_ids: Collection[int]) -> dict[int, LocalActor]:
    """The local actors whose keys sign these deliveries, by id."""
    if not actor_ids:
        return {}
    rows = await session.scalars(select(ActorRow).where(ActorRow.id.in_(list(actor_ids))))
    return {row.id: actors.to_view(row) for row in rows}
