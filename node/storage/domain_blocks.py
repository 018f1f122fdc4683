"""Domain blocks with Mastodon's fields: severity (suspend, silence, noop), reject media,
reject reports, public and private comments, obfuscate.

A suspension refuses all federation with the domain and its subdomains; a silence keeps it out
of public listings; `noop` only carries the flags. Every change bumps the policy version.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.storage import federation_policy
from node.storage.federation_policy import SEVERITIES, SUSPEND
from node.storage.hosts import normalise_domain
from node.storage.tables import DomainBlockRow

MAX_COMMENT = 1000
LIST_LIMIT = 20_000  # Mastodon imports at most this many rows too


@dataclass(frozen=True)
class BlockFields:
    severity: str = SUSPEND
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise InvalidInput(f"severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")


@dataclass(frozen=True)
class Block:
    domain: str
    fields: BlockFields
    created_at: datetime


def _view(row: DomainBlockRow) -> Block:
    fields = BlockFields(
        row.severity,
        row.reject_media,
        row.reject_reports,
        row.public_comment,
        row.reason,
        row.obfuscate,
    )
    return Block(row.domain, fields, row.created_at)


async def get(session: AsyncSession, domain: str) -> Block | None:
    row = await session.get(DomainBlockRow, normalise_domain(domain), populate_existing=True)
    return None if row is None else _view(row)


async def put(
    session: AsyncSession, domain: str, fields: BlockFields, now: datetime, *, bump: bool = True
) -> Block:
    """Block the domain with these fields, replacing those of a block it already has (without
    `bump`, the caller bumps the policy version once for many)."""
    name = normalise_domain(domain)
    row = await session.get(DomainBlockRow, name)
    if row is None:
        row = DomainBlockRow(domain=name, created_at=now)
        session.add(row)
    row.severity = fields.severity
    row.reject_media, row.reject_reports = fields.reject_media, fields.reject_reports
    row.public_comment = fields.public_comment[:MAX_COMMENT]
    row.reason = fields.private_comment[:MAX_COMMENT]
    row.obfuscate = fields.obfuscate
    await session.flush()
    if bump:
        await federation_policy.bump(session, now)
    return _view(row)


async def remove(session: AsyncSession, domain: str, now: datetime) -> bool:
    result = await session.execute(
        delete(DomainBlockRow).where(DomainBlockRow.domain == normalise_domain(domain))
    )
    await federation_policy.bump(session, now)
    return bool(getattr(result, "rowcount", 0))


async def known_among(session: AsyncSession, domains: Collection[str]) -> set[str]:
    """Those of these (normalised) domains that have a block."""
    found: set[str] = set()
    names = list(domains)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        found |= set(
            await session.scalars(
                select(DomainBlockRow.domain).where(DomainBlockRow.domain.in_(chunk))
            )
        )
    return found


async def list_all(session: AsyncSession, limit: int = LIST_LIMIT) -> list[Block]:
    rows = await session.scalars(
        select(DomainBlockRow).order_by(DomainBlockRow.domain).limit(limit)
    )
    return [_view(row) for row in rows]
