"""Remote hosts as our deliveries found them, and the domains the admin blocked.

Health is decided only by the answers to our own deliveries: each UTC day with a failed
attempt counts once; failures on FAILURE_DAYS_LIMIT distinct days (Mastodon's
DeliveryFailureTracker rule) make a host unavailable, which leaves it one probe delivery per
PROBE_INTERVAL; any success makes it available and clears the count. A block of a domain
covers its subdomains; only a suspension refuses federation (storage.domain_blocks has the
other severities), and every change bumps the policy version (storage.federation_policy).
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.storage import federation_policy
from node.storage.db import dialect_insert
from node.storage.federation_policy import SUSPEND
from node.storage.tables import DomainBlockRow, HostRow

FAILURE_DAYS_LIMIT = 7
PROBE_INTERVAL = timedelta(hours=3)
MAX_DOMAIN_LENGTH = 253


@dataclass(frozen=True)
class HostHealth:
    host: str
    failure_days: int
    last_failure_day: str | None
    unavailable_since: datetime | None
    next_probe_at: datetime | None
    last_success_at: datetime | None

    @property
    def available(self) -> bool:
        return self.unavailable_since is None


@dataclass(frozen=True)
class DomainBlock:
    domain: str
    reason: str
    created_at: datetime


def _health(row: HostRow) -> HostHealth:
    return HostHealth(
        host=row.host,
        failure_days=row.failure_days,
        last_failure_day=row.last_failure_day,
        unavailable_since=row.unavailable_since,
        next_probe_at=row.next_probe_at,
        last_success_at=row.last_success_at,
    )


def _insert(session: AsyncSession, table: Any) -> Any:
    return dialect_insert(session, table)


async def health(session: AsyncSession, host: str) -> HostHealth | None:
    row = await session.get(HostRow, host, populate_existing=True)
    return None if row is None else _health(row)


async def unavailable_among(session: AsyncSession, hosts: Collection[str]) -> dict[str, HostHealth]:
    """The unavailable ones among these hosts, by host."""
    if not hosts:
        return {}
    rows = await session.scalars(
        select(HostRow).where(HostRow.host.in_(list(hosts)), HostRow.unavailable_since.is_not(None))
    )
    return {row.host: _health(row) for row in rows}


async def record_failure(session: AsyncSession, host: str, now: datetime) -> HostHealth:
    """Count today (UTC) as a failing day, once; mark the host unavailable at the limit."""
    today = now.date().isoformat()
    await session.execute(
        _insert(session, HostRow).values(host=host, failure_days=0).on_conflict_do_nothing()
    )
    days = await session.scalar(
        update(HostRow)
        .where(HostRow.host == host)
        .values(
            failure_days=case(
                (HostRow.last_failure_day == today, HostRow.failure_days),
                else_=HostRow.failure_days + 1,
            ),
            last_failure_day=today,
        )
        .returning(HostRow.failure_days)
    )
    if days is not None and days >= FAILURE_DAYS_LIMIT:
        await session.execute(
            update(HostRow)
            .where(HostRow.host == host, HostRow.unavailable_since.is_(None))
            .values(unavailable_since=now, next_probe_at=now + PROBE_INTERVAL)
        )
    found = await health(session, host)
    assert found is not None
    return found


async def record_successes(
    session: AsyncSession, hosts: Collection[str], now: datetime
) -> set[str]:
    """Clear the failure count of hosts that answered; returns those that were unavailable."""
    if not hosts:
        return set()
    rows = await session.execute(
        select(HostRow.host, HostRow.unavailable_since).where(
            HostRow.host.in_(list(hosts)),
            (HostRow.failure_days > 0) | HostRow.unavailable_since.is_not(None),
        )
    )
    found = [(host, since) for host, since in rows]
    if found:
        await session.execute(
            update(HostRow)
            .where(HostRow.host.in_([host for host, _ in found]))
            .values(
                failure_days=0,
                last_failure_day=None,
                unavailable_since=None,
                next_probe_at=None,
                last_success_at=now,
            )
        )
    return {host for host, since in found if since is not None}


async def take_probe(session: AsyncSession, host: str, now: datetime) -> bool:
    """Whether the caller may send the one probe of an unavailable host now.

    Winning moves the next probe PROBE_INTERVAL ahead, atomically, so of several workers
    only one probes.
    """
    result = await session.execute(
        update(HostRow)
        .where(
            HostRow.host == host,
            HostRow.unavailable_since.is_not(None),
            HostRow.next_probe_at <= now,
        )
        .values(next_probe_at=now + PROBE_INTERVAL)
    )
    return bool(getattr(result, "rowcount", 0))


# --- domain blocks -----------------------------------------------------------------


def normalise_domain(domain: str) -> str:
    """A lowercase domain without port or trailing dot; InvalidInput if it is not one."""
    text = domain.strip().lower()
    if any(c in text for c in "/@ \t?#"):
        raise InvalidInput(f"{domain!r} is not a domain name")
    if text.startswith("["):
        text = text.partition("]")[0].lstrip("[")
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    text = text.rstrip(".")
    if not text or len(text) > MAX_DOMAIN_LENGTH:
        raise InvalidInput(f"{domain!r} is not a domain name")
    return text


def _suffixes(host: str) -> list[str]:
    """sub.example.com -> [sub.example.com, example.com, com]; an IP address only itself."""
    name = normalise_domain(host)
    if ":" in name or name.replace(".", "").isdigit():
        return [name]
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


async def is_blocked(session: AsyncSession, host: str) -> bool:
    return bool(await blocked_among(session, [host]))


async def blocked_among(session: AsyncSession, hosts: Collection[str]) -> set[str]:
    """Those of the given hosts (host or host:port) that a domain block covers."""
    candidates = {host: _suffixes(host) for host in hosts}
    every = {domain for suffixes in candidates.values() for domain in suffixes}
    if not every:
        return set()
    blocked = set(
        await session.scalars(
            select(DomainBlockRow.domain).where(
                DomainBlockRow.domain.in_(every), DomainBlockRow.severity == SUSPEND
            )
        )
    )
    return covered(hosts, blocked)


def covered(hosts: Collection[str], blocked: AbstractSet[str]) -> set[str]:
    """Those of the hosts that one of the blocked domains covers (no I/O)."""
    return {host for host in hosts if not blocked.isdisjoint(_suffixes(host))}


async def blocked_domains(session: AsyncSession) -> frozenset[str]:
    """The suspended domains (silence and media rejection leave federation on)."""
    return frozenset(
        await session.scalars(
            select(DomainBlockRow.domain).where(DomainBlockRow.severity == SUSPEND)
        )
    )


async def block(session: AsyncSession, domain: str, reason: str, now: datetime) -> DomainBlock:
    """Suspend a domain (and its subdomains); blocking it again keeps the first block.
    (storage.domain_blocks sets the other severities and fields.)"""
    name = normalise_domain(domain)
    await session.execute(
        _insert(session, DomainBlockRow)
        .values(domain=name, reason=reason, created_at=now)
        .on_conflict_do_nothing()
    )
    await federation_policy.bump(session, now)
    row = await session.get(DomainBlockRow, name)
    assert row is not None
    return DomainBlock(row.domain, row.reason, row.created_at)


async def unblock(session: AsyncSession, domain: str) -> bool:
    result = await session.execute(
        delete(DomainBlockRow).where(DomainBlockRow.domain == normalise_domain(domain))
    )
    await federation_policy.bump(session)
    return bool(getattr(result, "rowcount", 0))


async def list_blocks(session: AsyncSession) -> list[DomainBlock]:
    rows = await session.scalars(select(DomainBlockRow).order_by(DomainBlockRow.domain))
    return [DomainBlock(row.domain, row.reason, row.created_at) for row in rows]
