"""Signed-in browsers of members: a random token per session, kept only as its SHA-256, with
an idle and an absolute expiry. Ending one session or all of a member's is a delete."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.members import Member, digest, to_view
from node.storage.tables import MemberRow, MemberSessionRow

IDLE = timedelta(days=14)
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class SignedIn:
    session_id: int
    member: Member


async def create(session: AsyncSession, member_id: int, now: datetime, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        MemberSessionRow(
            member_id=member_id,
            token_hash=digest(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.flush()
    return token


async def find(session: AsyncSession, token: str, now: datetime) -> SignedIn | None:
    """The member of a live session (its last use noted at most every few minutes)."""
    found = (
        await session.execute(
            select(MemberSessionRow, MemberRow)
            .join(MemberRow, MemberRow.id == MemberSessionRow.member_id)
            .where(MemberSessionRow.token_hash == digest(token))
        )
    ).first()
    if found is None:
        return None
    row, member = found
    if row.expires_at <= now or row.last_seen_at + IDLE <= now:
        await session.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return SignedIn(row.id, to_view(member))


async def end(session: AsyncSession, token: str) -> None:
    await session.execute(
        delete(MemberSessionRow).where(MemberSessionRow.token_hash == digest(token))
    )


async def end_all(session: AsyncSession, member_id: int) -> int:
    result = await session.execute(
        delete(MemberSessionRow).where(MemberSessionRow.member_id == member_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)
