"""Removing what is stored of a suspended domain (and its subdomains): its actors, their
objects and reactions, follows either way, inbox items, cascade entries, amplifications still
awaiting approval, and every delivery row to it. Reports about it and allies' settings stay.

Rows are found by a LIKE on the IRI's authority (which only narrows the search) and then
checked by host in Python, so that a path that merely contains the name is never touched.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.amplifications import PENDING as AMPLIFICATION_PENDING
from node.storage.federation_policy import covers, split_authority
from node.storage.tables import (
    AmplificationRow,
    CascadeEntryRow,
    DeliveryRow,
    FollowRow,
    InboxItemRow,
    ObjectRow,
    ReactionRow,
    RemoteActorRow,
)
from node.urls import authority

CHUNK = 500
FEW = 20  # up to this many domains, each is searched for by name


@dataclass(frozen=True)
class Purged:
    actors: int = 0
    objects: int = 0
    reactions: int = 0
    follows: int = 0
    inbox_items: int = 0
    cascade_entries: int = 0
    amplifications: int = 0
    deliveries: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _iri_on(column: Any, domain: str) -> Any:
    """A LIKE that every IRI on the domain or a subdomain matches (and a few others may)."""
    name = _like_escaped(domain)
    patterns = (f"%://{name}/%", f"%://{name}:%", f"%.{name}/%", f"%.{name}:%")
    return or_(*(column.like(p, escape="\\") for p in patterns))


def _host_on(column: Any, domain: str) -> Any:
    name = _like_escaped(domain)
    patterns = (name, f"{name}:%", f"%.{name}", f"%.{name}:%")
    return or_(*(column.like(p, escape="\\") for p in patterns))


def _on_domain(iri: str, domain: str) -> bool:
    return covers({domain}, authority(iri)) is not None


async def _delete_where(
    session: AsyncSession, table: Any, value: Any, domain: str, *extra: Any
) -> int:
    """Delete the rows whose `value` IRI is on the domain; returns how many."""
    key = table.id
    candidates = await session.execute(select(key, value).where(_iri_on(value, domain), *extra))
    ids = [row_id for row_id, iri in candidates if _on_domain(iri, domain)]
    return await _delete_ids(session, table, key, ids)


async def _delete_ids(session: AsyncSession, table: Any, key: Any, ids: Sequence[Any]) -> int:
    for start in range(0, len(ids), CHUNK):
        await session.execute(delete(table).where(key.in_(ids[start : start + CHUNK])))
    return len(ids)


def _targets() -> dict[str, list[tuple[Any, Any, tuple[Any, ...]]]]:
    """What to remove, by the Purged field that counts it: (table, IRI column, conditions)."""
    return {
        "follows": [
            (FollowRow, FollowRow.follower_iri, ()),
            (FollowRow, FollowRow.target_iri, ()),
        ],
        "reactions": [
            (ReactionRow, ReactionRow.actor_iri, ()),
            (ReactionRow, ReactionRow.object_iri, ()),
        ],
        "cascade_entries": [
            (CascadeEntryRow, CascadeEntryRow.actor_iri, ()),
            (CascadeEntryRow, CascadeEntryRow.object_iri, ()),
        ],
        "amplifications": [
            (
                AmplificationRow,
                AmplificationRow.object_iri,
                (AmplificationRow.state == AMPLIFICATION_PENDING,),
            )
        ],
        "objects": [(ObjectRow, ObjectRow.actor_iri, (ObjectRow.local_actor_id.is_(None),))],
        "inbox_items": [(InboxItemRow, InboxItemRow.actor_iri, ())],
        "actors": [(RemoteActorRow, RemoteActorRow.iri, ())],
    }


async def purge_domain(session: AsyncSession, domain: str) -> Purged:
    """Remove everything stored of the domain, in the caller's transaction."""
    host, _ = split_authority(domain)
    counted: dict[str, int] = {}
    for name, specs in _targets().items():
        for table, column, extra in specs:
            removed = await _delete_where(session, table, column, host, *extra)
            counted[name] = counted.get(name, 0) + removed
    candidates = await session.execute(
        select(DeliveryRow.id, DeliveryRow.host).where(_host_on(DeliveryRow.host, host))
    )
    ids = [row_id for row_id, to in candidates if covers({host}, to) is not None]
    counted["deliveries"] = await _delete_ids(session, DeliveryRow, DeliveryRow.id, ids)
    return Purged(**counted)


async def purge_domains(session: AsyncSession, domains: Collection[str]) -> Purged:
    """purge_domain for many domains at once (an imported blocklist): each table is read once,
    its IRIs checked against all the domains, instead of one search per domain."""
    names = {split_authority(domain)[0] for domain in domains}
    if len(names) <= FEW:
        totals: dict[str, int] = {}
        for name in sorted(names):
            for key, value in (await purge_domain(session, name)).as_dict().items():
                totals[key] = totals.get(key, 0) + value
        return Purged(**totals)
    counted: dict[str, int] = {}
    for field, specs in _targets().items():
        for table, column, extra in specs:
            ids = []
            async for row_id, iri in await session.stream(select(table.id, column).where(*extra)):
                if covers(names, authority(iri)) is not None:
                    ids.append(row_id)
            counted[field] = counted.get(field, 0) + await _delete_ids(
                session, table, table.id, ids
            )
    ids = []
    async for row_id, to in await session.stream(select(DeliveryRow.id, DeliveryRow.host)):
        if covers(names, to) is not None:
            ids.append(row_id)
    counted["deliveries"] = await _delete_ids(session, DeliveryRow, DeliveryRow.id, ids)
    return Purged(**counted)
