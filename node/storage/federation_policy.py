"""The node's federation policy as stored: its settings row (mode, lockdown and the settings
lockdown saved), local allowlist decisions, and the whole policy read as one snapshot.

Every change to anything the snapshot holds (settings, allowlist, blocks, alliances, actor
blocks) calls bump() in its own transaction, so a process holding a snapshot notices by reading
one integer (see storage.caches.PolicyCache). Allowlist entries are a host name, covering its
subdomains on any port, or host:port, covering exactly that authority (nodes on other ports).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, StorageError
from node.storage.db import dialect_insert
from node.storage.tables import (
    ActorBlockRow,
    ActorRow,
    AllianceDomainRow,
    AllowedDomainRow,
    DomainBlockRow,
    FederationStateRow,
)

OPEN = "open"
ALLOWLIST = "allowlist"
MODES = (OPEN, ALLOWLIST)
SUSPEND = "suspend"
SILENCE = "silence"
NOOP = "noop"
SEVERITIES = (SUSPEND, SILENCE, NOOP)
STATE_ID = 1
MAX_ENTRY = 261
VERDICTS_LIMIT = 4096


@dataclass(frozen=True)
class FederationSettings:
    """What lockdown changes and restores: the mode and three switches."""

    mode: str = OPEN
    signed_fetches: bool = False
    hide_collections: bool = False
    reduced_pages: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, saved: Mapping[str, Any]) -> FederationSettings:
        return cls(**{f.name: saved[f.name] for f in fields(cls) if f.name in saved})


LOCKDOWN = FederationSettings(
    ALLOWLIST, signed_fetches=True, hide_collections=True, reduced_pages=True
)


@dataclass(frozen=True)
class State:
    settings: FederationSettings
    lockdown: bool
    saved: FederationSettings | None
    version: int
    updated_at: datetime


def split_authority(authority: str) -> tuple[str, str | None]:
    """('host', 'port' or None) of host[:port] or [v6]:port, lowercased."""
    text = authority.strip().lower()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, port or None
    return text, None


def normalise_entry(text: str) -> str:
    """An allowlist entry: lowercase host (no trailing dot), with its port when one is given."""
    raw = text.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not raw or any(c in raw for c in "/@ \t?#,") or len(raw) > MAX_ENTRY:
        raise InvalidInput(f"{text!r} is not a domain name (or host:port)")
    host, port = split_authority(raw)
    host = host.rstrip(".")
    if not host or (port is not None and not (port.isdigit() and 0 < int(port) < 65536)):
        raise InvalidInput(f"{text!r} is not a domain name (or host:port)")
    return f"{host}:{port}" if port else host


def suffixes(host: str) -> list[str]:
    """sub.example.com -> [sub.example.com, example.com, com]; an IP address only itself."""
    if ":" in host or host.replace(".", "").isdigit():
        return [host]
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def covers(entries: Collection[str], authority: str) -> str | None:
    """The entry (host, or host:port) that covers this host[:port], if any."""
    host, port = split_authority(authority)
    host = host.rstrip(".")
    if port is not None and f"{host}:{port}" in entries:
        return f"{host}:{port}"
    return next((name for name in suffixes(host) if name in entries), None)


@dataclass(frozen=True)
class Policy:
    """Everything that decides who the node talks to, as of `version` (pure lookups)."""

    version: int = 0
    settings: FederationSettings = FederationSettings()
    lockdown: bool = False
    suspended: frozenset[str] = frozenset()
    silenced: frozenset[str] = frozenset()
    media_rejected: frozenset[str] = frozenset()
    reports_rejected: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()
    blocked_actors: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # verdicts memoised per host: the same few hosts send most requests (bounded; this
    # snapshot is replaced whole when the policy changes)
    _verdicts: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def refusal(self, authority: str) -> str | None:
        """Why the node refuses to federate with this host[:port], or None."""
        if authority in self._verdicts:
            return self._verdicts[authority]
        verdict = self._refusal(authority)
        if len(self._verdicts) >= VERDICTS_LIMIT:
            self._verdicts.clear()
        self._verdicts[authority] = verdict
        return verdict

    def _refusal(self, authority: str) -> str | None:
        if not authority:
            return None
        if (domain := covers(self.suspended, authority)) is not None:
            return f"{domain} is blocked on this node"
        if self.settings.mode == ALLOWLIST and covers(self.allowed, authority) is None:
            return f"{authority} is not on this node's allowlist"
        return None

    def suspends(self, authority: str) -> bool:
        return covers(self.suspended, authority) is not None

    def is_silenced(self, authority: str) -> bool:
        return covers(self.silenced, authority) is not None

    def rejects_media(self, authority: str) -> bool:
        return covers(self.media_rejected, authority) is not None

    def rejects_reports(self, authority: str) -> bool:
        return covers(self.reports_rejected, authority) is not None

    def blocks(self, organisation: str, actor_iri: str) -> bool:
        """Whether the organisation of that name blocked that actor."""
        return actor_iri in self.blocked_actors.get(organisation, frozenset())


async def version(session: AsyncSession) -> int:
    found = await session.scalar(
        select(FederationStateRow.version).where(FederationStateRow.id == STATE_ID)
    )
    if found is None:
        raise StorageError("the federation settings are missing: run 'solidarity-node init'")
    return int(found)


async def bump(session: AsyncSession, now: datetime | None = None) -> None:
    """The policy changed in this transaction: every process re-reads it (within a second).
    `now` also dates the change (what the alliance manifest calls `updated`)."""
    values: dict[str, Any] = {"version": FederationStateRow.version + 1}
    if now is not None:
        values["updated_at"] = now
    await session.execute(
        update(FederationStateRow).where(FederationStateRow.id == STATE_ID).values(**values)
    )


async def state(session: AsyncSession) -> State:
    row = await session.get(FederationStateRow, STATE_ID, populate_existing=True)
    if row is None:
        raise StorageError("the federation settings are missing: run 'solidarity-node init'")
    settings = FederationSettings(
        row.mode, row.signed_fetches, row.hide_collections, row.reduced_pages
    )
    saved = FederationSettings.from_dict(row.lockdown_saved) if row.lockdown_saved else None
    return State(settings, saved is not None, saved, row.version, row.updated_at)


async def put_settings(
    session: AsyncSession,
    settings: FederationSettings,
    now: datetime,
    *,
    saved: FederationSettings | None,
) -> None:
    """Store the settings and what lockdown saved (None: not locked down); bumps the version."""
    await session.execute(
        update(FederationStateRow)
        .where(FederationStateRow.id == STATE_ID)
        .values(
            mode=settings.mode,
            signed_fetches=settings.signed_fetches,
            hide_collections=settings.hide_collections,
            reduced_pages=settings.reduced_pages,
            lockdown_saved=saved.as_dict() if saved else None,
        )
    )
    await bump(session, now)


# --- local allowlist decisions ----------------------------------------------------------


@dataclass(frozen=True)
class AllowEntry:
    domain: str
    allowed: bool
    comment: str
    created_at: datetime


async def set_allowed(
    session: AsyncSession, domain: str, allowed: bool, comment: str, now: datetime
) -> AllowEntry:
    """Allow a domain here, or exclude it (allowed False) whatever a manifest says."""
    name = normalise_entry(domain)
    await session.execute(delete(AllowedDomainRow).where(AllowedDomainRow.domain == name))
    await session.execute(
        dialect_insert(session, AllowedDomainRow).values(
            domain=name, allowed=allowed, comment=comment[:1000], created_at=now
        )
    )
    await bump(session, now)
    return AllowEntry(name, allowed, comment[:1000], now)


async def forget_allowed(session: AsyncSession, domain: str, now: datetime) -> bool:
    """Drop the local decision about a domain; False when there was none."""
    result = await session.execute(
        delete(AllowedDomainRow).where(AllowedDomainRow.domain == normalise_entry(domain))
    )
    await bump(session, now)
    return bool(getattr(result, "rowcount", 0))


async def local_entries(session: AsyncSession) -> list[AllowEntry]:
    rows = await session.scalars(select(AllowedDomainRow).order_by(AllowedDomainRow.domain))
    return [AllowEntry(r.domain, r.allowed, r.comment, r.created_at) for r in rows]


async def manifest_domains(session: AsyncSession) -> dict[str, set[int]]:
    """Domains applied manifests list, with the subscriptions listing each."""
    found: dict[str, set[int]] = {}
    for alliance_id, domain in await session.execute(
        select(AllianceDomainRow.alliance_id, AllianceDomainRow.domain)
    ):
        found.setdefault(domain, set()).add(alliance_id)
    return found


async def effective_allowlist(session: AsyncSession) -> frozenset[str]:
    """Local allows and manifests' domains, minus local exclusions (a local decision wins)."""
    local = await local_entries(session)
    excluded = {entry.domain for entry in local if not entry.allowed}
    allowed = {entry.domain for entry in local if entry.allowed}
    allowed |= set(await manifest_domains(session)) - excluded
    return frozenset(allowed)


# --- the snapshot ----------------------------------------------------------------------


async def load(session: AsyncSession) -> Policy:
    """The whole policy at the version read first (one transaction, so it is consistent)."""
    current = await state(session)
    blocks = list(await session.scalars(select(DomainBlockRow)))
    blocked: dict[str, set[str]] = {}
    for name, blocked_iri in await session.execute(
        select(ActorRow.username, ActorBlockRow.blocked_iri).join(
            ActorRow, ActorRow.id == ActorBlockRow.actor_id
        )
    ):
        blocked.setdefault(name, set()).add(blocked_iri)
    return Policy(
        version=current.version,
        settings=current.settings,
        lockdown=current.lockdown,
        suspended=frozenset(b.domain for b in blocks if b.severity == SUSPEND),
        silenced=frozenset(b.domain for b in blocks if b.severity == SILENCE),
        media_rejected=frozenset(b.domain for b in blocks if b.reject_media),
        reports_rejected=frozenset(b.domain for b in blocks if b.reject_reports),
        allowed=await effective_allowlist(session),
        blocked_actors={name: frozenset(iris) for name, iris in blocked.items()},
    )
