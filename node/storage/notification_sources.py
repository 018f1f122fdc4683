"""What a member's notifications are made of, read where it already lives: replies and pledges
received for an organisation's publications, and its deliveries that keep failing.

Nothing is written for a notification: the follow requests, pending amplifications, replies
and failing deliveries are the rows themselves, so none can be missed or left stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.deliveries import FAILED, PENDING
from node.storage.objects import StoredObject, to_view
from node.storage.tables import DeliveryRow, ObjectRow


@dataclass(frozen=True)
class FailingHost:
    host: str
    deliveries: int
    since: datetime
    last_error: str | None


async def replies_received(
    session: AsyncSession, actor_id: int, actor_iri: str, limit: int
) -> list[tuple[StoredObject, StoredObject]]:
    """(reply, the publication it answers): others' replies and pledges, newest first."""
    own = select(ObjectRow.iri).where(ObjectRow.local_actor_id == actor_id)
    mine = ObjectRow.__table__.alias("mine")
    rows = await session.execute(
        select(ObjectRow, mine.c.id)
        .join(mine, mine.c.iri == ObjectRow.in_reply_to)
        .where(
            ObjectRow.in_reply_to.in_(own),
            ObjectRow.actor_iri != actor_iri,
            ObjectRow.deleted_at.is_(None),
        )
        .order_by(ObjectRow.published.desc(), ObjectRow.id.desc())
        .limit(limit)
    )
    found = []
    for reply, parent_id in rows.all():
        parent = await session.get(ObjectRow, parent_id)
        if parent is not None:
            found.append((to_view(reply), to_view(parent)))
    return found


async def failing_hosts(
    session: AsyncSession, actor_id: int, older_than: datetime
) -> list[FailingHost]:
    """Hosts whose deliveries from this actor still fail after a day (or have given up)."""
    failing = or_(
        DeliveryRow.state == FAILED,
        (DeliveryRow.state == PENDING)
        & (DeliveryRow.attempts > 0)
        & (DeliveryRow.created_at <= older_than),
    )
    rows = await session.execute(
        select(
            DeliveryRow.host,
            func.count(),
            func.min(DeliveryRow.created_at),
            func.max(DeliveryRow.last_error),
        )
        .where(DeliveryRow.actor_id == actor_id, DeliveryRow.created_at <= older_than, failing)
        .group_by(DeliveryRow.host)
        .order_by(func.min(DeliveryRow.created_at).desc())
        .limit(50)
    )
    return [FailingHost(host, int(n), since, error) for host, n, since, error in rows.all()]
