"""Node admins, by email: the people whose workspace sign-in opens the admin pages.

An email is listed at most once. Adding and removing are audited by the use case that calls
this module (node.solidarity.node_admins), in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.tables import NodeAdminRow

MAX_ADMINS = 500


@dataclass(frozen=True)
class NodeAdmin:
    email: str
    added_at: datetime
    added_by: str


def to_view(row: NodeAdminRow) -> NodeAdmin:
    return NodeAdmin(row.email, row.added_at, row.added_by)


async def get(session: AsyncSession, email: str) -> NodeAdmin | None:
    row = await session.scalar(select(NodeAdminRow).where(NodeAdminRow.email == email))
    return None if row is None else to_view(row)


async def is_admin(session: AsyncSession, email: str) -> bool:
    found = await session.scalar(select(NodeAdminRow.id).where(NodeAdminRow.email == email))
    return found is not None


async def add(session: AsyncSession, email: str, added_by: str, now: datetime) -> NodeAdmin:
    """The admin listed under `email`; an existing entry is kept as it was."""
    found = await get(session, email)
    if found is not None:
        return found
    row = NodeAdminRow(email=email, added_at=now, added_by=added_by[:340])
    session.add(row)
    await session.flush()
    return to_view(row)


async def remove(session: AsyncSession, email: str) -> bool:
    """Whether `email` was an admin."""
    result = await session.execute(delete(NodeAdminRow).where(NodeAdminRow.email == email))
    return bool(getattr(result, "rowcount", 0))


async def listed(session: AsyncSession) -> list[NodeAdmin]:
    statement = select(NodeAdminRow).order_by(NodeAdminRow.email).limit(MAX_ADMINS)
    rows = await session.scalars(statement)
    return [to_view(row) for row in rows]


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(NodeAdminRow)) or 0)
