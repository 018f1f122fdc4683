"""The admin's nudge to the delivery queue: make pending rows due now instead of at their
backed-off time (a peer that was down is back), and free leases after a crash.

Only pending rows change, and only their timing: attempts and errors stay as they are.
A lease is freed only on request, because a worker that is alive still holds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, case, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.deliveries import PENDING
from node.storage.tables import DeliveryRow

_TABLE: Table = DeliveryRow.__table__  # type: ignore[assignment]


async def retry_now(
    session: AsyncSession,
    now: datetime,
    *,
    host: str | None = None,
    release_leases: bool = False,
) -> int:
    """Make pending deliveries (to `host` only, when given) claimable now; returns how many.

    Rows leased by a worker are left alone unless release_leases: use it only when no
    `serve` or `worker` process runs (after a crash), or a live worker's row may be sent twice.
    """
    t = _TABLE.c
    free = or_(t.locked_until.is_(None), t.locked_until < now)
    waiting = or_(t.next_attempt_at > now, ~free) if release_leases else t.next_attempt_at > now
    conditions = [t.state == PENDING, waiting]
    if host is not None:
        conditions.append(t.host == host.strip().lower())
    if not release_leases:
        conditions.append(free)
    due = case((t.next_attempt_at > now, now), else_=t.next_attempt_at)
    values: dict[str, Any] = {"next_attempt_at": due}
    if release_leases:
        values["locked_until"] = None
    result = await session.execute(update(_TABLE).where(and_(*conditions)).values(values))
    return int(getattr(result, "rowcount", 0) or 0)
