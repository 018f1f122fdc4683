"""Read side of what local actors published: public outbox activities and pinned objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.publication import LISTED, Visibility
from node.storage.tables import ActivityRow, ObjectRow


async def count_outbox(session: AsyncSession, actor_id: int) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(ActivityRow)
        .where(ActivityRow.actor_id == actor_id, ActivityRow.visibility.in_(LISTED))
    )
    return int(total or 0)


async def outbox_page(
    session: AsyncSession, actor_id: int, offset: int, limit: int
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(ActivityRow.document)
        .where(ActivityRow.actor_id == actor_id, ActivityRow.visibility.in_(LISTED))
        .order_by(ActivityRow.published.desc(), ActivityRow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


def _featured(actor_id: int) -> Any:
    return (
        ObjectRow.local_actor_id == actor_id,
        ObjectRow.pinned_at.is_not(None),
        ObjectRow.deleted_at.is_(None),
        ObjectRow.visibility.in_(LISTED),
    )


async def count_featured(session: AsyncSession, actor_id: int) -> int:
    total = await session.scalar(
        select(func.count()).select_from(ObjectRow).where(*_featured(actor_id))
    )
    return int(total or 0)


async def featured_page(
    session: AsyncSession, actor_id: int, offset: int, limit: int
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(ObjectRow.document)
        .where(*_featured(actor_id))
        .order_by(ObjectRow.pinned_at.desc(), ObjectRow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


async def count_local_posts(session: AsyncSession) -> int:
    """Public posts only (NodeInfo's figure): others are nobody else's business."""
    total = await session.scalar(
        select(func.count())
        .select_from(ObjectRow)
        .where(
            ObjectRow.local_actor_id.is_not(None),
            ObjectRow.deleted_at.is_(None),
            ObjectRow.visibility == Visibility.PUBLIC,
        )
    )
    return int(total or 0)


async def count_active_publishers(session: AsyncSession, since: datetime) -> int:
    """How many local actors sent an activity since that moment."""
    total = await session.scalar(
        select(func.count(distinct(ActivityRow.actor_id))).where(ActivityRow.published >= since)
    )
    return int(total or 0)


async def record(
    session: AsyncSession,
    *,
    iri: str,
    actor_id: int,
    type: str,
    object_iri: str | None,
    visibility: str,
    document: dict[str, Any],
    published: datetime,
) -> None:
    """Keep an activity a local actor sent; public and unlisted ones appear in its outbox."""
    session.add(
        ActivityRow(
            iri=iri,
            actor_id=actor_id,
            type=type,
            object_iri=object_iri,
            visibility=visibility,
            document=document,
            published=published,
        )
    )
    await session.flush()


async def forget_object(session: AsyncSession, object_iri: str) -> None:
    """A deleted object leaves the outbox (its Create and Updates), as on Mastodon."""
    await session.execute(delete(ActivityRow).where(ActivityRow.object_iri == object_iri))


async def announces_of(session: AsyncSession, object_iri: str) -> list[tuple[int, dict[str, Any]]]:
    """The Announces local actors sent of an object: (actor row id, the Announce as sent)."""
    rows = await session.execute(
        select(ActivityRow.actor_id, ActivityRow.document)
        .where(ActivityRow.object_iri == object_iri, ActivityRow.type == "Announce")
        .order_by(ActivityRow.id)
    )
    return [(actor_id, document) for actor_id, document in rows]
