"""The moderation queue: reports received as Flag from other servers, and reports made by an
organisation here about a remote actor (possibly forwarded as a Flag). A received Flag is kept
once per id; a report is open until an admin resolves it with an action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.storage.db import dialect_insert
from node.storage.tables import ReportRow

REMOTE = "remote"
LOCAL = "local"
OPEN = "open"
RESOLVED = "resolved"
MAX_OBJECTS = 50
MAX_COMMENT = 5000
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Report:
    id: int
    origin: str
    flag_iri: str | None
    reporter_iri: str
    reporter_actor_id: int | None
    target_iri: str
    object_iris: tuple[str, ...]
    comment: str
    forwarded_iri: str | None
    state: str
    action: str | None
    note: str
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime


def _view(row: ReportRow) -> Report:
    return Report(
        row.id,
        row.origin,
        row.flag_iri,
        row.reporter_iri,
        row.reporter_actor_id,
        row.target_iri,
        tuple(row.object_iris),
        row.comment,
        row.forwarded_iri,
        row.state,
        row.action,
        row.note,
        row.resolved_by,
        row.resolved_at,
        row.created_at,
    )


async def add_received(
    session: AsyncSession,
    *,
    flag_iri: str,
    reporter_iri: str,
    target_iri: str,
    object_iris: Sequence[str],
    comment: str,
    now: datetime,
) -> bool:
    """Queue a received Flag once per id; False when it was already queued."""
    statement = (
        dialect_insert(session, ReportRow)
        .values(
            origin=REMOTE,
            flag_iri=flag_iri,
            reporter_iri=reporter_iri,
            target_iri=target_iri,
            object_iris=list(object_iris)[:MAX_OBJECTS],
            comment=comment[:MAX_COMMENT],
            state=OPEN,
            note="",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["flag_iri"])
        .returning(ReportRow.id)
    )
    return await session.scalar(statement) is not None


async def add_local(
    session: AsyncSession,
    *,
    reporter_iri: str,
    reporter_actor_id: int,
    target_iri: str,
    object_iris: Sequence[str],
    comment: str,
    forwarded_iri: str | None,
    now: datetime,
) -> Report:
    if len(object_iris) > MAX_OBJECTS:
        raise InvalidInput(f"a report names at most {MAX_OBJECTS} objects")
    row = ReportRow(
        origin=LOCAL,
        reporter_iri=reporter_iri,
        reporter_actor_id=reporter_actor_id,
        target_iri=target_iri,
        object_iris=list(object_iris),
        comment=comment[:MAX_COMMENT],
        forwarded_iri=forwarded_iri,
        state=OPEN,
        note="",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return _view(row)


async def get(session: AsyncSession, report_id: int) -> Report:
    row = await session.get(ReportRow, report_id, populate_existing=True)
    if row is None:
        raise NotFound(f"no report {report_id}")
    return _view(row)


async def listed(
    session: AsyncSession,
    *,
    state: str | None = OPEN,
    reporter_actor_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
    before: int | None = None,
) -> list[Report]:
    """Newest first; `before` a report id to page further back."""
    statement = select(ReportRow).order_by(ReportRow.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    if state is not None:
        statement = statement.where(ReportRow.state == state)
    if reporter_actor_id is not None:
        statement = statement.where(ReportRow.reporter_actor_id == reporter_actor_id)
    if before is not None:
        statement = statement.where(ReportRow.id < before)
    return [_view(row) for row in await session.scalars(statement)]


async def resolve(
    session: AsyncSession, report_id: int, action: str, note: str, who: str, now: datetime
) -> Report:
    """Close an open report with the action taken; a resolved one cannot be resolved again."""
    row = await session.get(ReportRow, report_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no report {report_id}")
    if row.state != OPEN:
        raise InvalidInput(f"report {report_id} was already resolved ({row.action})")
    row.state, row.action, row.note = RESOLVED, action, note[:MAX_COMMENT]
    row.resolved_by, row.resolved_at = who[:320], now
    await session.flush()
    return _view(row)
