"""The audit log: what admins and owners did, who did it, from where, and when.

Append-only by construction: this module only inserts and reads, and the database refuses
UPDATE and DELETE on the table (migration 0032). `Who` names the doer by kind, so that a
command-line user, an API token's organisation, an admin token, the worker or (later) a
member of the web workspace all fit one column pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.tables import AuditRow

CLI = "cli"
ADMIN_TOKEN = "admin-token"
ORGANISATION = "organisation"
MEMBER = "member"
SYSTEM = "system"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Who:
    """Who acted: kind (cli, admin-token, organisation, member, system), a name within that
    kind (a login, a token label, an organisation, an email), and where from (a machine, an
    address)."""

    kind: str
    name: str
    origin: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    who: Who
    action: str
    target: str
    details: dict[str, Any]


async def record(
    session: AsyncSession,
    who: Who,
    action: str,
    target: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry, in the caller's transaction (it commits with the change)."""
    session.add(
        AuditRow(
            at=now,
            who_kind=who.kind[:16],
            who=who.name[:320],
            origin=who.origin[:300],
            action=action[:64],
            target=target[:2048],
            details=details or {},
        )
    )
    await session.flush()


async def entries(
    session: AsyncSession,
    *,
    limit: int = DEFAULT_LIMIT,
    before: int | None = None,
    action: str | None = None,
) -> list[Entry]:
    """Newest first; `before` an entry id to page further back; `action` a name or prefix."""
    statement = select(AuditRow).order_by(AuditRow.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    if before is not None:
        statement = statement.where(AuditRow.id < before)
    if action:
        statement = statement.where(
            (AuditRow.action == action) | AuditRow.action.startswith(action.rstrip(".") + ".")
        )
    rows = await session.scalars(statement)
    return [
        Entry(r.id, r.at, Who(r.who_kind, r.who, r.origin), r.action, r.target, r.details)
        for r in rows
    ]
