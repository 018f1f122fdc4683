"""Failed sign-ins by client address, counted over a sliding window to throttle an address
that tries many accounts (the per-account lock-out lives on the member row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.tables import SigninFailureRow


async def add(session: AsyncSession, address: str, now: datetime) -> None:
    session.add(SigninFailureRow(address=address[:64], at=now))
    await session.flush()


async def count_since(session: AsyncSession, address: str, since: datetime) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(SigninFailureRow)
        .where(SigninFailureRow.address == address[:64], SigninFailureRow.at > since)
    )
    return int(total or 0)


async def forget_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(SigninFailureRow).where(SigninFailureRow.at <= before))
