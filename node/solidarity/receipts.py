"""Delivery receipts of an organisation's own publication: per inbox, what became of each
activity about it (delivered when, retrying when next, failed why, host unavailable), who
amplified it (the Announces of its cascade seen here), and a redelivery of what failed or
waits; and the health of the hosts the node delivers to, for admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.errors import NotFound
from node.federation.runtime import Runtime
from node.publication import Kind
from node.storage import audit, cascade, objects, receipts
from node.storage.actors import LocalActor
from node.storage.audit import Who
from node.storage.cascade import Entry
from node.storage.objects import StoredObject
from node.storage.receipts import HostReport, Receipt, SentActivity

KINDS = {"calls": Kind.CALL, "strategies": Kind.STRATEGY}


@dataclass(frozen=True)
class Receipts:
    object_iri: str
    activities: tuple[SentActivity, ...]
    deliveries: tuple[Receipt, ...]
    counts: dict[str, int]
    amplified_by: tuple[Entry, ...]
    next: int | None  # the `after` of the next page, when there may be one


async def own_publication(node: Runtime, org: LocalActor, path: str, key: str) -> StoredObject:
    """The organisation's own strategy or call by key; NotFound for anyone else's."""
    async with node.db.transaction() as session:
        stored = await objects.by_key(session, key)
    if stored is None or stored.local_actor_id != org.id or stored.kind is not KINDS.get(path):
        raise NotFound(f"{org.username} has published no {path.rstrip('s')} {key}")
    return stored


async def of_publication(
    node: Runtime,
    org: LocalActor,
    path: str,
    key: str,
    *,
    limit: int | None = None,
    after: int | None = None,
) -> Receipts:
    stored = await own_publication(node, org, path, key)
    size = receipts.bounded(limit)
    async with node.db.transaction() as session:
        sent = await receipts.sent_about(session, org.id, stored.iri)
        iris = [activity.iri for activity in sent]
        found = await receipts.of_activities(session, iris, limit=size, after=after)
        counts = await receipts.counts(session, iris)
        entries = await cascade.of_object(session, stored.iri)
    amplifiers = tuple(e for e in entries if e.type == "Announce")
    following = found[-1].id if len(found) == size else None
    return Receipts(stored.iri, tuple(sent), tuple(found), counts, amplifiers, following)


async def redeliver(
    node: Runtime, org: LocalActor, path: str, key: str, who: Who, inbox: str | None = None
) -> int:
    """Make the publication's failed and waiting deliveries due now (to one inbox, if given)."""
    stored = await own_publication(node, org, path, key)
    now = node.clock.now()
    async with node.db.transaction() as session:
        sent = await receipts.sent_about(session, org.id, stored.iri)
        count = await receipts.redeliver(session, [a.iri for a in sent], now, inbox)
        details = {"deliveries": count, "inbox": inbox}
        await audit.record(session, who, "deliveries.redeliver", stored.iri, now, details)
    node.wake_worker()
    return count


async def host_health(
    node: Runtime, *, limit: int | None = None, unavailable_only: bool = False
) -> list[HostReport]:
    async with node.db.transaction() as session:
        return await receipts.host_health(session, limit=limit, unavailable_only=unavailable_only)
