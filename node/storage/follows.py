"""Follow relations between actor IRIs; accepted ones make the followers/following collections."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
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


@dataclass(frozen=True)
class Follow:
    id: int
    follower_iri: str
    target_iri: str
    state: str
    follow_iri: str | None
    created_at: datetime
    updated_at: datetime


def _view(row: FollowRow) -> Follow:
    return Follow(
        row.id,
        row.follower_iri,
        row.target_iri,
        row.state,
        row.follow_iri,
        row.created_at,
        row.updated_at,
    )


async def get_pair(session: AsyncSession, follower_iri: str, target_iri: str) -> Follow | None:
    row = await session.scalar(
        select(FollowRow).where(
            FollowRow.follower_iri == follower_iri, FollowRow.target_iri == target_iri
        )
    )
    return None if row is None else _view(row)


async def by_follow_iri(session: AsyncSession, follow_iri: str) -> Follow | None:
    row = await session.scalar(select(FollowRow).where(FollowRow.follow_iri == follow_iri))
    return None if row is None else _view(row)


async def put(
    session: AsyncSession,
    follower_iri: str,
    target_iri: str,
    state: str,
    follow_iri: str | None,
    now: datetime,
) -> Follow:
    """Create the relation, or update its state and Follow id if it exists."""
    if follow_iri is not None:
        # a Follow id names one relation: take it from any other row first
        await session.execute(
            update(FollowRow)
            .where(
                FollowRow.follow_iri == follow_iri,
                (FollowRow.follower_iri != follower_iri) | (FollowRow.target_iri != target_iri),
            )
            .values(follow_iri=None)
        )
    row = await session.scalar(
        select(FollowRow).where(
            FollowRow.follower_iri == follower_iri, FollowRow.target_iri == target_iri
        )
    )
    if row is None:
        row = FollowRow(
            follower_iri=follower_iri,
            target_iri=target_iri,
            state=state,
            follow_iri=follow_iri,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
    else:
        row.state, row.updated_at = state, now
        if follow_iri is not None:
            row.follow_iri = follow_iri
    await session.flush()
    return _view(row)


async def set_state(session: AsyncSession, follow_id: int, state: str, now: datetime) -> None:
    await session.execute(
        update(FollowRow).where(FollowRow.id == follow_id).values(state=state, updated_at=now)
    )


async def remove(session: AsyncSession, follow_id: int) -> None:
    await session.execute(delete(FollowRow).where(FollowRow.id == follow_id))


async def remove_all_of(session: AsyncSession, actor_iri: str) -> None:
    """Forget every relation an actor (deleted remotely) had, in either direction."""
    await session.execute(
        delete(FollowRow).where(
            (FollowRow.follower_iri == actor_iri) | (FollowRow.target_iri == actor_iri)
        )
    )


async def list_by_follower(session: AsyncSession, follower_iri: str) -> list[Follow]:
    rows = await session.scalars(
        select(FollowRow).where(FollowRow.follower_iri == follower_iri).order_by(FollowRow.id)
    )
    return [_view(r) for r in rows]


async def list_by_target(session: AsyncSession, target_iri: str) -> list[Follow]:
    rows = await session.scalars(
        select(FollowRow).where(FollowRow.target_iri == target_iri).order_by(FollowRow.id)
    )
    return [_view(r) for r in rows]


async def accepted_followers_of(session: AsyncSession, target_iris: Collection[str]) -> set[str]:
    """Who follows any of these actors, accepted."""
    if not target_iris:
        return set()
    rows = await session.scalars(
        select(FollowRow.follower_iri).where(
            FollowRow.target_iri.in_(list(target_iris)), FollowRow.state == ACCEPTED
        )
    )
    return set(rows)


async def accepted_followers_by_target(
    session: AsyncSession, target_iris: Collection[str]
) -> dict[str, set[str]]:
    """Who follows each of these actors, accepted (actors nobody follows are left out)."""
    found: dict[str, set[str]] = {}
    if not target_iris:
        return found
    rows = await session.execute(
        select(FollowRow.target_iri, FollowRow.follower_iri).where(
            FollowRow.target_iri.in_(list(target_iris)), FollowRow.state == ACCEPTED
        )
    )
    for target, follower in rows:
        found.setdefault(target, set()).add(follower)
    return found
