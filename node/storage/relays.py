"""Relays the instance actor subscribes to: one row per relay inbox, with its Follow's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.tables import RelayRow

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"
MASTODON = "mastodon"  # Follow of the Public collection, sent to the relay's inbox
LITEPUB = "litepub"  # Follow of the relay's actor


@dataclass(frozen=True)
class Relay:
    id: int
    inbox_url: str
    actor_iri: str | None
    style: str
    follow_iri: str
    state: str
    created_at: datetime
    updated_at: datetime


def _view(row: RelayRow) -> Relay:
    return Relay(
        row.id,
        row.inbox_url,
        row.actor_iri,
        row.style,
        row.follow_iri,
        row.state,
        row.created_at,
        row.updated_at,
    )


async def put(
    session: AsyncSession,
    *,
    inbox_url: str,
    actor_iri: str | None,
    style: str,
    follow_iri: str,
    now: datetime,
) -> Relay:
    """Subscribe anew (pending): a relay added again gets a new Follow."""
    row = await session.scalar(select(RelayRow).where(RelayRow.inbox_url == inbox_url))
    if row is None:
        row = RelayRow(inbox_url=inbox_url, created_at=now)
        session.add(row)
    row.actor_iri, row.style, row.follow_iri = actor_iri, style, follow_iri
    row.state, row.updated_at = PENDING, now
    await session.flush()
    return _view(row)


async def listed(session: AsyncSession) -> list[Relay]:
    rows = await session.scalars(select(RelayRow).order_by(RelayRow.id))
    return [_view(row) for row in rows]


async def by_inbox(session: AsyncSession, inbox_url: str) -> Relay | None:
    row = await session.scalar(select(RelayRow).where(RelayRow.inbox_url == inbox_url))
    return _view(row) if row else None


async def by_follow(session: AsyncSession, follow_iri: str) -> Relay | None:
    row = await session.scalar(select(RelayRow).where(RelayRow.follow_iri == follow_iri))
    return _view(row) if row else None


async def by_actor(session: AsyncSession, actor_iri: str) -> Relay | None:
    row = await session.scalar(select(RelayRow).where(RelayRow.actor_iri == actor_iri))
    return _view(row) if row else None


async def answered(
    session: AsyncSession, relay_id: int, actor_iri: str, state: str, now: datetime
) -> None:
    row = await session.get(RelayRow, relay_id)
    if row is not None:
        row.actor_iri, row.state, row.updated_at = actor_iri, state, now


async def accepted_inboxes(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(RelayRow.inbox_url).where(RelayRow.state == ACCEPTED))
    return list(rows)


async def remove(session: AsyncSession, relay_id: int) -> None:
    await session.execute(delete(RelayRow).where(RelayRow.id == relay_id))
