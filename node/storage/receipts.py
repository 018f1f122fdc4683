"""Delivery receipts: what became of each delivery of a local actor's activities about one
object (per inbox: delivered when, retrying when next, failed why, host unavailable), a
redelivery of those that failed or wait, and per-host health with delivery counts.

Read-only but for redeliver(), which touches only rows no worker holds. Lists are bounded and
paged by row id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.deliveries import DELIVERED, FAILED, PENDING
from node.storage.tables import ActivityRow, DeliveryRow, HostRow

QUEUED = "queued"
RETRYING = "retrying"
UNAVAILABLE = "unavailable"
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_ACTIVITIES = 200


@dataclass(frozen=True)
class SentActivity:
    iri: str
    type: str
    published: datetime


@dataclass(frozen=True)
class Receipt:
    id: int
    activity_iri: str
    inbox_url: str
    host: str
    state: str  # queued, delivered, retrying, failed, unavailable
    attempts: int
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    last_status: int | None
    error: str | None
    unavailable_since: datetime | None


@dataclass(frozen=True)
class HostReport:
    host: str
    available: bool
    failure_days: int
    unavailable_since: datetime | None
    next_probe_at: datetime | None
    last_success_at: datetime | None
    pending: int
    delivered: int
    failed: int


def bounded(limit: int | None) -> int:
    return max(1, min(limit or DEFAULT_LIMIT, MAX_LIMIT))


async def sent_about(session: AsyncSession, actor_id: int, object_iri: str) -> list[SentActivity]:
    """The activities the actor sent about the object (Create, Update, Add…), oldest first."""
    rows = await session.execute(
        select(ActivityRow.iri, ActivityRow.type, ActivityRow.published)
        .where(ActivityRow.actor_id == actor_id, ActivityRow.object_iri == object_iri)
        .order_by(ActivityRow.published, ActivityRow.id)
        .limit(MAX_ACTIVITIES)
    )
    return [SentActivity(iri, kind, at) for iri, kind, at in rows]


def _state(row: DeliveryRow, down: datetime | None) -> str:
    if row.state == DELIVERED:
        return DELIVERED
    if row.state == FAILED:
        return FAILED
    if down is not None:
        return UNAVAILABLE
    return RETRYING if row.attempts or row.last_error else QUEUED


async def of_activities(
    session: AsyncSession,
    activity_iris: Sequence[str],
    *,
    limit: int | None = None,
    after: int | None = None,
) -> list[Receipt]:
    """Receipts of these activities' deliveries, by row id (after `after`)."""
    if not activity_iris:
        return []
    statement = (
        select(DeliveryRow, HostRow.unavailable_since)
        .outerjoin(HostRow, HostRow.host == DeliveryRow.host)
        .where(DeliveryRow.activity_iri.in_(list(activity_iris)))
        .order_by(DeliveryRow.id)
        .limit(bounded(limit))
    )
    if after is not None:
        statement = statement.where(DeliveryRow.id > after)
    found = []
    for row, down in await session.execute(statement):
        state = _state(row, down if row.state == PENDING else None)
        found.append(
            Receipt(
                id=row.id,
                activity_iri=row.activity_iri,
                inbox_url=row.inbox_url,
                host=row.host,
                state=state,
                attempts=row.attempts,
                delivered_at=row.delivered_at,
                next_attempt_at=row.next_attempt_at if row.state == PENDING else None,
                last_status=row.last_status,
                error=row.last_error if state != DELIVERED else None,
                unavailable_since=down,
            )
        )
    return found


async def counts(session: AsyncSession, activity_iris: Sequence[str]) -> dict[str, int]:
    """How many of these activities' deliveries are in each state (as receipts name them)."""
    totals = dict.fromkeys((QUEUED, DELIVERED, RETRYING, FAILED, UNAVAILABLE), 0)
    if not activity_iris:
        return totals
    retried = or_(DeliveryRow.attempts > 0, DeliveryRow.last_error.is_not(None))
    rows = await session.execute(
        select(DeliveryRow.state, retried, HostRow.unavailable_since.is_not(None), func.count())
        .outerjoin(HostRow, HostRow.host == DeliveryRow.host)
        .where(DeliveryRow.activity_iri.in_(list(activity_iris)))
        .group_by(DeliveryRow.state, retried, HostRow.unavailable_since.is_not(None))
    )
    for state, was_tried, down, count in rows:
        if state != PENDING:
            totals[state] += count
        elif down:
            totals[UNAVAILABLE] += count
        else:
            totals[RETRYING if was_tried else QUEUED] += count
    return totals


async def redeliver(
    session: AsyncSession, activity_iris: Sequence[str], now: datetime, inbox: str | None = None
) -> int:
    """Make failed and waiting deliveries of these activities due now (a failed one starts its
    retries afresh); rows a worker holds are left to it. Returns how many changed."""
    if not activity_iris:
        return 0
    free = or_(DeliveryRow.locked_until.is_(None), DeliveryRow.locked_until < now)
    conditions = [DeliveryRow.activity_iri.in_(list(activity_iris)), free]
    if inbox is not None:
        conditions.append(DeliveryRow.inbox_url == inbox)
    failed = await session.execute(
        update(DeliveryRow)
        .where(*conditions, DeliveryRow.state == FAILED)
        .values(state=PENDING, attempts=0, next_attempt_at=now, last_error=None, last_status=None)
    )
    waiting = await session.execute(
        update(DeliveryRow)
        .where(*conditions, DeliveryRow.state == PENDING, DeliveryRow.next_attempt_at > now)
        .values(next_attempt_at=now)
    )
    return int(getattr(failed, "rowcount", 0) or 0) + int(getattr(waiting, "rowcount", 0) or 0)


async def host_health(
    session: AsyncSession, *, limit: int | None = None, unavailable_only: bool = False
) -> list[HostReport]:
    """Hosts deliveries went to (or failed to reach), unavailable and most failing first, with
    how many of their delivery rows are pending, delivered and failed."""

    def tally(state: str) -> Any:
        return func.sum(case((DeliveryRow.state == state, 1), else_=0)).label(state)

    rows = (
        select(DeliveryRow.host.label("host"), tally(PENDING), tally(DELIVERED), tally(FAILED))
        .group_by(DeliveryRow.host)
        .subquery()
    )
    statement = (
        select(
            rows.c.host,
            HostRow,
            rows.c[PENDING],
            rows.c[DELIVERED],
            rows.c[FAILED],
        )
        .outerjoin(HostRow, HostRow.host == rows.c.host)
        .order_by(
            HostRow.unavailable_since.is_(None),
            func.coalesce(HostRow.failure_days, 0).desc(),
            rows.c.host,
        )
        .limit(bounded(limit))
    )
    if unavailable_only:
        statement = statement.where(HostRow.unavailable_since.is_not(None))
    return [
        HostReport(
            host=host,
            available=health is None or health.unavailable_since is None,
            failure_days=health.failure_days if health else 0,
            unavailable_since=health.unavailable_since if health else None,
            next_probe_at=health.next_probe_at if health else None,
            last_success_at=health.last_success_at if health else None,
            pending=int(pending or 0),
            delivered=int(delivered or 0),
            failed=int(failed or 0),
        )
        for host, health, pending, delivered, failed in await session.execute(statement)
    ]
