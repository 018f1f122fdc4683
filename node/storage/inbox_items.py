"""Screened incoming activities: stored once per activity id, then processed by the worker.

States: pending -> done, or failed after MAX_ATTEMPTS (an effect that keeps raising).
Backlog bounds how many may wait, node-wide and per remote host (the sender's): over either
limit the inbox answers 503 instead of storing. Items waiting for a retry do not count: the
bound is on what arrived and was not yet tried.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from node.clock import Clock
from node.errors import Overloaded
from node.storage import leases, wakeups
from node.storage.db import JsonText, dialect_insert
from node.storage.tables import InboxItemRow
from node.storage.types import UTCDateTime

DONE = "done"
FAILED = "failed"
REJECTED = "rejected"
MAX_ATTEMPTS = 8
COUNT_EVERY = timedelta(seconds=1)
RETRY_AFTER_SECONDS = 10

_TABLE: Table = InboxItemRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class InboxItem:
    id: int
    activity_iri: str
    actor_iri: str
    type: str
    recipient: str | None
    document: dict[str, Any]
    attempts: int
    relayed_by: str | None = None  # the relay that forwarded it, when its signer is not its actor


@dataclass(frozen=True)
class NewItem:
    """A screened activity to store (relayed_by: the relay that forwarded it, if one did)."""

    activity_iri: str
    actor_iri: str
    type: str
    recipient: str | None
    document: dict[str, Any]
    received_at: datetime
    relayed_by: str | None = None
    host: str | None = None  # the sender's (signer's) host, for the per-host backlog
    as_sent: str | None = None  # the document's JSON as received, when it is the document

    def row(self) -> dict[str, Any]:
        return {
            "activity_iri": self.activity_iri,
            "actor_iri": self.actor_iri,
            "type": self.type,
            "recipient": self.recipient,
            "document": self.document if self.as_sent is None else JsonText(self.as_sent),
            "state": leases.PENDING,
            "attempts": 0,
            "next_attempt_at": self.received_at,
            "received_at": self.received_at,
            "relayed_by": self.relayed_by,
            "host": self.host,
        }


async def store(
    session: AsyncSession,
    *,
    activity_iri: str,
    actor_iri: str,
    type: str,
    recipient: str | None,
    document: dict[str, Any],
    now: datetime,
    relayed_by: str | None = None,
) -> bool:
    """Store the activity unless its id was seen before; True when it is new."""
    item = NewItem(activity_iri, actor_iri, type, recipient, document, now, relayed_by)
    return bool(await store_batch(await session.connection(), [item]))


async def store_batch(conn: AsyncConnection, items: Sequence[NewItem]) -> set[str]:
    """Store those not seen before; the activity ids that were new.

    One INSERT … ON CONFLICT DO NOTHING in core SQL (no ORM): a repeat, in the batch or stored
    before, concurrent or not, inserts nothing. The inbox profile showed the former
    SELECT + SAVEPOINT + INSERT, and ORM sessions, among its costs.
    """
    if not items:
        return set()
    statement = (
        dialect_insert(conn, _TABLE)
        .on_conflict_do_nothing(index_elements=["activity_iri"])
        .returning(_TABLE.c.activity_iri)
    )
    result = await conn.execute(statement, [item.row() for item in items])
    new = set(result.scalars())
    if new:
        await wakeups.notify_in(conn, wakeups.INBOX)
    return new


async def claim(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta
) -> list[InboxItem]:
    t = _TABLE.c
    columns = (
        t.activity_iri,
        t.actor_iri,
        t.type,
        t.recipient,
        t.document,
        t.attempts,
        t.relayed_by,
    )
    rows = await leases.claim_due(session, _TABLE, now, limit, lease, columns)
    return [
        InboxItem(
            r.id,
            r.activity_iri,
            r.actor_iri,
            r.type,
            r.recipient,
            r.document,
            r.attempts,
            r.relayed_by,
        )
        for r in rows
    ]


async def renew(
    session: AsyncSession, ids: Collection[int], now: datetime, lease: timedelta
) -> None:
    """Extend the lease of these pending items, those whose lease still holds: an expired one
    may have been claimed by another worker meanwhile."""
    if not ids:
        return
    await session.execute(
        update(_TABLE)
        .where(
            _TABLE.c.id.in_(list(ids)),
            _TABLE.c.state == leases.PENDING,
            _TABLE.c.locked_until >= now,
        )
        .values(locked_until=now + lease)
    )


async def finish(session: AsyncSession, item_ids: Collection[int], now: datetime) -> None:
    """Mark these items done (one statement for the lot). Their effects hold what the node
    needs of them, so the documents go: a done item keeps its id (repeats stay repeats) until
    it is pruned."""
    if item_ids:
        await session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(list(item_ids)))
            .values(
                state=DONE,
                done_at=now,
                locked_until=None,
                attempts=_TABLE.c.attempts + 1,
                document={},
            )
        )


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed item: done, retry later, or rejected for good."""

    id: int
    state: str  # DONE, REJECTED, or leases.PENDING for a retry
    attempts: int  # attempts before this one
    error: str | None = None

    @classmethod
    def done(cls, item: InboxItem) -> Outcome:
        return cls(item.id, DONE, item.attempts)

    @classmethod
    def retry(cls, item: InboxItem, error: str) -> Outcome:
        return cls(item.id, leases.PENDING, item.attempts, error)

    @classmethod
    def rejected(cls, item: InboxItem, reason: str) -> Outcome:
        return cls(item.id, REJECTED, item.attempts, reason)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt (30 s, 1 min, 2 min, … ~1 h)."""
    return timedelta(seconds=30 * 2**attempts)


def _settle_statement() -> Any:
    t = _TABLE.c
    return (
        update(_TABLE)
        .where(t.id == bindparam("b_id"))
        .values(
            state=bindparam("b_state"),
            attempts=t.attempts + 1,
            last_error=bindparam("b_error"),
            locked_until=None,
            next_attempt_at=func.coalesce(
                bindparam("b_next", type_=UTCDateTime()), t.next_attempt_at
            ),
            done_at=bindparam("b_done", type_=UTCDateTime()),
        )
    )


async def settle(session: AsyncSession, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Write what became of claimed items: done ones in one statement, the others (retries,
    rejections; an item failing MAX_ATTEMPTS times is failed for good) in another."""
    await finish(session, [o.id for o in outcomes if o.state == DONE], now)
    params = []
    for outcome in outcomes:
        if outcome.state == DONE:
            continue
        tried = outcome.attempts + 1
        state = outcome.state
        if state == leases.PENDING and tried >= MAX_ATTEMPTS:
            state = FAILED
        retrying = state == leases.PENDING
        params.append(
            {
                "b_id": outcome.id,
                "b_state": state,
                "b_error": (outcome.error or "")[:2000],
                "b_next": now + retry_delay(tried) if retrying else None,
                "b_done": None if retrying else now,
            }
        )
    if params:
        connection = await session.connection()
        await connection.execute(_settle_statement(), params)


async def release(session: AsyncSession, ids: Collection[int]) -> None:
    """Give leased items back as they were (a worker stopping before it worked them)."""
    if ids:
        await session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(list(ids)), _TABLE.c.state == leases.PENDING)
            .values(locked_until=None)
        )


async def next_due(session: AsyncSession, now: datetime) -> datetime | None:
    return await leases.next_due(session, _TABLE, now)


async def pending_by_actor(
    session: AsyncSession | AsyncConnection, at_least: int
) -> dict[str, int]:
    """Actors with at least `at_least` pending items, and how many (index-only on
    (state, actor_iri))."""
    rows = await session.execute(
        select(_TABLE.c.actor_iri, func.count())
        .where(_TABLE.c.state == leases.PENDING)
        .group_by(_TABLE.c.actor_iri)
        .having(func.count() >= at_least)
    )
    return {actor: int(count) for actor, count in rows}


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(InboxItemRow.state, func.count()).group_by(InboxItemRow.state)
    )
    return {state: int(count) for state, count in rows}


async def count_pending(session: AsyncSession) -> int:
    """Items waiting for the worker (an index-only count on (state, next_attempt_at))."""
    found = await session.scalar(
        select(func.count()).select_from(InboxItemRow).where(InboxItemRow.state == leases.PENDING)
    )
    return int(found or 0)


async def count_untried_by_host(session: AsyncSession) -> dict[str, int]:
    """Items never tried yet, per sender host ("" for items stored without one)."""
    rows = await session.execute(
        select(InboxItemRow.host, func.count())
        .where(InboxItemRow.state == leases.PENDING, InboxItemRow.attempts == 0)
        .group_by(InboxItemRow.host)
    )
    return {host or "": int(count) for host, count in rows}


class Backlog:
    """Untried inbox items as this process sees them, node-wide and per sender host, against
    their limits.

    Counted in the database at most once per COUNT_EVERY (one request counts; the others use
    the figures it had), plus the items this process stored since: other processes' items show
    at the next count. Nothing is refused once stored, so a bound may be passed by as many
    requests as are screened at once. Items waiting for a retry are not counted.
    """

    def __init__(self, limit: int, clock: Clock, host_limit: int | None = None) -> None:
        self.limit = limit
        self.host_limit = host_limit if host_limit is not None else limit
        self._clock = clock
        self._pending = 0
        self._by_host: dict[str, int] = {}
        self._counted_at: datetime | None = None

    async def admit(
        self,
        transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]],
        host: str | None = None,
    ) -> None:
        """Raise Overloaded when the backlog (or the host's, when given) is at its limit
        (transaction: Database's)."""
        now = self._clock.now()
        if self._counted_at is None or now - self._counted_at >= COUNT_EVERY:
            self._counted_at = now
            async with transaction() as session:
                self._by_host = await count_untried_by_host(session)
            self._pending = sum(self._by_host.values())
        if self._pending >= self.limit:
            raise Overloaded(
                f"{self._pending} activities wait to be processed (limit {self.limit})",
                RETRY_AFTER_SECONDS,
            )
        waiting = self._by_host.get(host, 0) if host else 0
        if waiting >= self.host_limit:
            raise Overloaded(
                f"{waiting} activities from {host} wait to be processed (limit {self.host_limit}"
                " per host)",
                RETRY_AFTER_SECONDS,
            )

    def stored(self, host: str | None = None) -> None:
        self._pending += 1
        if host:
            self._by_host[host] = self._by_host.get(host, 0) + 1
