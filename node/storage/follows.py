"""Follow relations between actor IRIs; accepted ones make the followers/following collections."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.tables import FollowRow

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"


async def count_followers(session: AsyncSession, target_iri: str) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(FollowRow)
        .where(FollowRow.target_iri == target_iri, FollowRow.state == ACCEPTED)
    )
    return int(total or 0)


async def count_following(session: AsyncSession, follower_iri: str) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(FollowRow)
        .where(FollowRow.follower_iri == follower_iri, FollowRow.state == ACCEPTED)
    )
    return int(total or 0)


async def followers_page(
    session: AsyncSession, target_iri: str, offset: int, limit: int
) -> list[str]:
    rows = await session.scalars(
        select(FollowRow.follower_iri)
        .where(FollowRow.target_iri == target_iri, FollowRow.state == ACCEPTED)
        .order_by(FollowRow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


async def following_page(
    session: AsyncSession, follower_iri: str, offset: int, limit: int
) -> list[str]:
    rows = await session.scalars(
        select(FollowRow.target_iri)
        .where(FollowRow.follower_iri == follower_iri, FollowRow.state == ACCEPTED)
        .order_by(FollowRow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)
