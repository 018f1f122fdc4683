"""Members of organisations in the web workspace: one row per person (an email belongs to one
organisation), their role, password hash, one-time sign-in link and lock-out counters.

Secrets never rest here in the clear: the link is kept as its SHA-256, the password as the
argon2 hash the caller made.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.storage.tables import MemberRow

OWNER = "owner"
EDITOR = "editor"
ROLES = (OWNER, EDITOR)


@dataclass(frozen=True)
class Member:
    id: int
    actor_id: int
    email: str
    role: str
    password_hash: str | None
    failed_signins: int
    locked_until: datetime | None
    notifications_seen_at: datetime | None
    feed_generation: int
    created_at: datetime
    last_signin_at: datetime | None

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def to_view(row: MemberRow) -> Member:
    return Member(
        row.id,
        row.actor_id,
        row.email,
        row.role,
        row.password_hash,
        row.failed_signins,
        row.locked_until,
        row.notifications_seen_at,
        row.feed_generation,
        row.created_at,
        row.last_signin_at,
    )


async def _row(session: AsyncSession, member_id: int) -> MemberRow:
    row = await session.get(MemberRow, member_id)
    if row is None:
        raise NotFound(f"no member {member_id}")
    return row


async def add(session: AsyncSession, actor_id: int, email: str, role: str, now: datetime) -> Member:
    if await session.scalar(select(MemberRow.id).where(MemberRow.email == email)) is not None:
        raise InvalidInput(f"{email} is already a member (of this or another organisation)")
    row = MemberRow(
        actor_id=actor_id,
        email=email,
        role=role,
        failed_signins=0,
        feed_generation=0,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return to_view(row)


async def get(session: AsyncSession, member_id: int) -> Member | None:
    row = await session.get(MemberRow, member_id)
    return None if row is None else to_view(row)


async def by_email(session: AsyncSession, email: str) -> Member | None:
    row = await session.scalar(select(MemberRow).where(MemberRow.email == email))
    return None if row is None else to_view(row)


async def of_actor(session: AsyncSession, actor_id: int) -> list[Member]:
    rows = await session.scalars(
        select(MemberRow).where(MemberRow.actor_id == actor_id).order_by(MemberRow.email)
    )
    return [to_view(row) for row in rows]


async def count_owners(session: AsyncSession, actor_id: int) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(MemberRow)
        .where(MemberRow.actor_id == actor_id, MemberRow.role == OWNER)
    )
    return int(total or 0)


async def remove(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(MemberRow).where(MemberRow.id == member_id))


async def set_link(session: AsyncSession, member_id: int, secret: str, expires: datetime) -> None:
    row = await _row(session, member_id)
    row.link_hash, row.link_expires_at = digest(secret), expires


async def by_link(session: AsyncSession, secret: str, now: datetime) -> Member | None:
    """The member a sign-in link names, while it has not expired."""
    row = await session.scalar(select(MemberRow).where(MemberRow.link_hash == digest(secret)))
    if row is None or row.link_expires_at is None or row.link_expires_at <= now:
        return None
    return to_view(row)


async def set_password(session: AsyncSession, member_id: int, password_hash: str) -> None:
    """The new password; the link is used up and the lock-out lifted."""
    row = await _row(session, member_id)
    row.password_hash, row.link_hash, row.link_expires_at = password_hash, None, None
    row.failed_signins, row.locked_until = 0, None


async def record_failure(
    session: AsyncSession, member_id: int, limit: int, lock_until: datetime
) -> Member:
    """One more failed sign-in; at `limit` the account locks until `lock_until`."""
    row = await _row(session, member_id)
    row.failed_signins += 1
    if row.failed_signins >= limit:
        row.locked_until, row.failed_signins = lock_until, 0
    return to_view(row)


async def record_signin(session: AsyncSession, member_id: int, now: datetime) -> None:
    row = await _row(session, member_id)
    row.failed_signins, row.locked_until, row.last_signin_at = 0, None, now


async def mark_seen(session: AsyncSession, member_id: int, now: datetime) -> None:
    (await _row(session, member_id)).notifications_seen_at = now


async def renew_feed(session: AsyncSession, member_id: int) -> None:
    (await _row(session, member_id)).feed_generation += 1
