"""Subscriptions to other nodes' alliance manifests: the URL, the signer and key trusted at
subscription, the last manifest applied (its `updated`, its domains) and when to fetch again.

A subscription's domains change only by apply(), which replaces them all and bumps the policy
version; a refused or failed fetch keeps the domains last applied. Due subscriptions are
claimed with a lease, so of several workers one refreshes each.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.storage import federation_policy
from node.storage.tables import AllianceDomainRow, AllianceRow

PENDING = "pending"
APPLIED = "applied"
REFUSED = "refused"  # the signature or the signer failed: domains kept as last applied
FAILING = "failing"  # could not be fetched: domains kept, retried
MAX_DOMAINS = 10_000
MAX_SUBSCRIPTIONS = 20  # at most 20 x MAX_DOMAINS domains in every process's policy


@dataclass(frozen=True)
class Alliance:
    id: int
    url: str
    signer_iri: str | None
    key_id: str | None
    public_key: str | None  # the signer's assertion key trusted (a Multikey)
    state: str
    manifest_updated: datetime | None
    last_fetched_at: datetime | None
    last_error: str | None
    next_fetch_at: datetime
    created_at: datetime
    domains: int = 0


def _view(row: AllianceRow, domains: int = 0) -> Alliance:
    return Alliance(
        row.id,
        row.url,
        row.signer_iri,
        row.key_id,
        row.public_key,
        row.state,
        row.manifest_updated,
        row.last_fetched_at,
        row.last_error,
        row.next_fetch_at,
        row.created_at,
        domains,
    )


async def by_url(session: AsyncSession, url: str) -> Alliance | None:
    row = await session.scalar(select(AllianceRow).where(AllianceRow.url == url))
    return None if row is None else _view(row)


async def by_id(session: AsyncSession, alliance_id: int) -> Alliance:
    row = await session.get(AllianceRow, alliance_id, populate_existing=True)
    if row is None:
        raise NotFound(f"no alliance subscription {alliance_id}")
    count = await session.scalar(
        select(func.count()).where(AllianceDomainRow.alliance_id == alliance_id)
    )
    return _view(row, int(count or 0))


async def add(session: AsyncSession, url: str, now: datetime) -> Alliance:
    """A new subscription, due at once; an existing one for that URL is returned as it is."""
    found = await by_url(session, url)
    if found is not None:
        return found
    total = await session.scalar(select(func.count()).select_from(AllianceRow))
    if int(total or 0) >= MAX_SUBSCRIPTIONS:
        raise InvalidInput(f"this node subscribes to at most {MAX_SUBSCRIPTIONS} manifests")
    row = AllianceRow(url=url, state=PENDING, next_fetch_at=now, created_at=now)
    session.add(row)
    await session.flush()
    return _view(row)


async def remove(session: AsyncSession, url: str, now: datetime) -> bool:
    result = await session.execute(delete(AllianceRow).where(AllianceRow.url == url))
    await federation_policy.bump(session, now)
    return bool(getattr(result, "rowcount", 0))


async def listed(session: AsyncSession) -> list[Alliance]:
    counts = dict(
        (
            await session.execute(
                select(AllianceDomainRow.alliance_id, func.count()).group_by(
                    AllianceDomainRow.alliance_id
                )
            )
        ).all()
    )
    rows = await session.scalars(select(AllianceRow).order_by(AllianceRow.id))
    return [_view(row, int(counts.get(row.id, 0))) for row in rows]


async def apply(
    session: AsyncSession,
    alliance_id: int,
    *,
    domains: Collection[str],
    updated: datetime,
    signer_iri: str,
    key_id: str,
    public_key: str,
    now: datetime,
    next_fetch_at: datetime,
) -> None:
    """Replace the subscription's domains with a verified manifest's, and remember its signer."""
    await session.execute(
        delete(AllianceDomainRow).where(AllianceDomainRow.alliance_id == alliance_id)
    )
    session.add_all(
        AllianceDomainRow(alliance_id=alliance_id, domain=domain)
        for domain in sorted(set(domains))[:MAX_DOMAINS]
    )
    await session.execute(
        update(AllianceRow)
        .where(AllianceRow.id == alliance_id)
        .values(
            state=APPLIED,
            signer_iri=signer_iri,
            key_id=key_id,
            public_key=public_key,
            manifest_updated=updated,
            last_fetched_at=now,
            last_error=None,
            next_fetch_at=next_fetch_at,
            locked_until=None,
        )
    )
    await federation_policy.bump(session, now)


async def settle(
    session: AsyncSession,
    alliance_id: int,
    state: str,
    error: str,
    now: datetime,
    next_fetch_at: datetime,
) -> None:
    """A fetch that was refused or failed: the domains stay as last applied."""
    await session.execute(
        update(AllianceRow)
        .where(AllianceRow.id == alliance_id)
        .values(
            state=state,
            last_error=error[:1000],
            last_fetched_at=now,
            next_fetch_at=next_fetch_at,
            locked_until=None,
        )
    )


async def domains_of(session: AsyncSession, alliance_id: int) -> list[str]:
    rows = await session.scalars(
        select(AllianceDomainRow.domain)
        .where(AllianceDomainRow.alliance_id == alliance_id)
        .order_by(AllianceDomainRow.domain)
    )
    return list(rows)


async def claim_due(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta
) -> list[Alliance]:
    """Lease up to `limit` subscriptions due for a fetch (another worker's lease is skipped)."""
    due = (
        select(AllianceRow.id)
        .where(
            AllianceRow.next_fetch_at <= now,
            or_(AllianceRow.locked_until.is_(None), AllianceRow.locked_until < now),
        )
        .order_by(AllianceRow.next_fetch_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(due))
    if not ids:
        return []
    await session.execute(
        update(AllianceRow).where(AllianceRow.id.in_(ids)).values(locked_until=now + lease)
    )
    rows = await session.scalars(select(AllianceRow).where(AllianceRow.id.in_(ids)))
    return [_view(row) for row in rows]


async def next_due(session: AsyncSession) -> datetime | None:
    due: datetime | None = await session.scalar(select(func.min(AllianceRow.next_fetch_at)))
    return due
