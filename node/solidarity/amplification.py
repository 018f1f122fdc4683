"""Amplification: an organisation passing on an ally's public call with its own Announce.

A call arrives by a Create from its author (hop 0) or by an Announce carrying `hop`; every local
organisation that has the sender as an ally, and whose policy matches, announces the original
object once (the unique row in storage.amplifications decides), with `via` = the activity it
arrived by and `hop` = incoming hop + 1. Never by the call's author, never past
min(maxHops, ORG_MAX_HOPS), never after the deadline, never for non-public or deleted calls.
Local organisations are not delivered to, so each sent Announce is also considered here.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from node.activitypub.objects import cascade_marks
from node.activitypub.render_objects import announce_to_as
from node.errors import InvalidInput, NotFound, SolidarityError
from node.services import Services
from node.solidarity import allies, deliveries, remote
from node.storage import actors, amplifications, cascade, objects, outbox
from node.storage import allies as ally_rows
from node.storage.actors import LocalActor
from node.storage.amplifications import PENDING, REJECTED, SENT, WITHDRAWN, Amplification
from node.storage.objects import StoredObject

log = logging.getLogger("node.amplification")
DEFAULT_MAX_HOPS = 6
ORG_MAX_HOPS = 6


@dataclass(frozen=True)
class Arrival:
    """How a call reached this node: the activity, its sender, and the sender's hop."""

    activity_iri: str
    actor_iri: str
    hop: int


def is_open(node: Services, call: StoredObject) -> bool:
    """A call that may still travel: public, not deleted, deadline not passed."""
    deadline = call.fields.deadline
    return (
        call.kind == "call"
        and call.visibility == "public"
        and call.deleted_at is None
        and (deadline is None or deadline > node.clock.now())
    )


def hop_limit(call: StoredObject) -> int:
    wanted = call.fields.max_hops
    return min(DEFAULT_MAX_HOPS if wanted is None else wanted, ORG_MAX_HOPS)


async def consider(node: Services, call: StoredObject, arrival: Arrival) -> None:
    """Amplify for every local organisation whose ally sent this and whose policy matches."""
    if not is_open(node, call) or arrival.hop + 1 > hop_limit(call):
        return
    async with node.db.transaction() as session:
        found = await ally_rows.naming(session, arrival.actor_iri)
    for ally in found:
        verdict = allies.decision(ally, call.fields)
        if verdict is not None:
            await amplify_for(node, ally.actor_id, call, arrival, manual=verdict == "manual")


async def amplify_for(
    node: Services, actor_id: int, call: StoredObject, arrival: Arrival, *, manual: bool
) -> None:
    async with node.db.transaction() as session:
        org = await actors.by_id(session, actor_id)
        if org.is_deleted or node.urls.actor(org.username) == call.actor_iri:
            return  # never back to the origin
        row = await amplifications.claim(
            session,
            actor_id=actor_id,
            object_iri=call.iri,
            state=PENDING if manual else SENT,
            through_iri=arrival.actor_iri,
            via_iri=arrival.activity_iri,
            hop=arrival.hop + 1,
            announce_iri=None if manual else node.urls.activity(uuid.uuid4().hex),
            now=node.clock.now(),
        )
    if row is not None and row.state == SENT:
        await announce(node, org, call, row)


async def announce(node: Services, org: LocalActor, call: StoredObject, row: Amplification) -> None:
    """Send the organisation's Announce, record it, and let local allies of it follow on."""
    org_iri = node.urls.actor(org.username)
    assert row.announce_iri is not None
    also = [call.actor_iri]
    if row.through_iri and row.through_iri not in (call.actor_iri, org_iri):
        also.append(row.through_iri)
    await cache_actors(node, also)
    now = node.clock.now()
    document = announce_to_as(
        row.announce_iri,
        org_iri,
        call.iri,
        followers=node.urls.followers(org.username),
        also=also,
        via=row.via_iri,
        hop=row.hop,
        published=now,
    )
    async with node.db.transaction() as session:
        await outbox.record(
            session,
            iri=row.announce_iri,
            actor_id=org.id,
            type="Announce",
            object_iri=call.iri,
            visibility="public",
            document=document,
            published=now,
        )
        await cascade.add(
            session,
            activity_iri=row.announce_iri,
            object_iri=call.iri,
            type="Announce",
            actor_iri=org_iri,
            via_iri=row.via_iri,
            hop=row.hop,
            at=now,
        )
    await deliveries.send(node, org, document)
    await consider(node, call, Arrival(row.announce_iri, org_iri, row.hop))


async def cache_actors(node: Services, iris: list[str]) -> None:
    """Remote actors addressed in cc must be cached for their inboxes to be known."""
    for iri in iris:
        if node.urls.is_local(iri):
            continue
        try:
            await remote.get_actor(node, iri)
        except SolidarityError as exc:
            log.info("cannot address %s in an Announce: %s", iri, exc)


# arrivals -----------------------------------------------------------------------------


async def on_create(node: Services, activity_iri: str, call: StoredObject) -> None:
    """A call's Create, received or published here: the root of its cascade (hop 0)."""
    async with node.db.transaction() as session:
        await cascade.add(
            session,
            activity_iri=activity_iri,
            object_iri=call.iri,
            type="Create",
            actor_iri=call.actor_iri,
            via_iri=None,
            hop=0,
            at=call.published,
        )
    await consider(node, call, Arrival(activity_iri, call.actor_iri, 0))


async def wanted_from(node: Services, actor_iri: str) -> bool:
    """Whether some local organisation has this actor as an ally (worth fetching its boosts)."""
    async with node.db.transaction() as session:
        return bool(await ally_rows.naming(session, actor_iri))


async def on_announce(
    node: Services,
    activity_iri: str,
    actor_iri: str,
    document: dict[str, object],
    call: StoredObject,
) -> None:
    """Another actor's Announce of a known call: record it, then consider amplifying.

    A boost without `hop` (Mastodon) counts as hop 1, or 0 from the author itself."""
    if call.kind != "call":
        return
    via, hop = cascade_marks(dict(document))
    async with node.db.transaction() as session:
        await cascade.add(
            session,
            activity_iri=activity_iri,
            object_iri=call.iri,
            type="Announce",
            actor_iri=actor_iri,
            via_iri=via,
            hop=hop,
            at=node.clock.now(),
        )
    incoming = hop if hop is not None else (0 if actor_iri == call.actor_iri else 1)
    await consider(node, call, Arrival(activity_iri, actor_iri, incoming))


async def on_withdrawn(node: Services, object_iri: str) -> None:
    """The call was deleted (or its author undid an Announce of it): pending ones are dropped."""
    async with node.db.transaction() as session:
        dropped = await amplifications.withdraw_pending(session, object_iri, node.clock.now())
    if dropped:
        log.info("withdrew %d pending amplifications of %s", dropped, object_iri)


# members' decisions ---------------------------------------------------------------------


async def pending(node: Services, org: LocalActor) -> list[tuple[Amplification, StoredObject]]:
    async with node.db.transaction() as session:
        rows = await amplifications.pending_of(session, org.id)
        found = [(row, await objects.get(session, row.object_iri)) for row in rows]
    return [(row, call) for row, call in found if call is not None]


async def owned_pending(node: Services, org: LocalActor, amplification_id: int) -> Amplification:
    async with node.db.transaction() as session:
        row = await amplifications.get(session, amplification_id)
    if row is None or row.actor_id != org.id:
        raise NotFound(f"{org.username} has no amplification {amplification_id}")
    if row.state != PENDING:
        raise InvalidInput(f"amplification {amplification_id} is already {row.state}")
    return row


async def decide(
    node: Services, org: LocalActor, amplification_id: int, approve: bool
) -> Amplification:
    """Approve (send the Announce now, if the call is still open) or reject a pending one."""
    row = await owned_pending(node, org, amplification_id)
    async with node.db.transaction() as session:
        call = await objects.get(session, row.object_iri)
    still_open = call is not None and is_open(node, call)
    state = SENT if approve and still_open else REJECTED if not approve else WITHDRAWN
    announce_iri = node.urls.activity(uuid.uuid4().hex) if state == SENT else None
    async with node.db.transaction() as session:
        if not await amplifications.decide(session, row.id, state, announce_iri, node.clock.now()):
            raise InvalidInput(f"amplification {amplification_id} was decided meanwhile")
        decided = await amplifications.get(session, row.id)
    assert decided is not None
    if state == WITHDRAWN:
        raise InvalidInput("the call was deleted or its deadline passed; nothing was sent")
    if state == SENT and call is not None:
        await announce(node, org, call, decided)
    return decided


async def by_hand(node: Services, org: LocalActor, call: StoredObject) -> Amplification:
    """A member amplifies a known public call, through the nearest arrival this node saw."""
    if not is_open(node, call):
        raise InvalidInput(f"{call.iri} is not an open public call")
    if node.urls.actor(org.username) == call.actor_iri:
        raise InvalidInput("an organisation does not amplify its own call")
    async with node.db.transaction() as session:
        seen = await cascade.of_object(session, call.iri)
    nearest = min(seen, key=lambda e: (e.hop if e.hop is not None else 1, e.at), default=None)
    if nearest is not None:
        arrival = Arrival(nearest.activity_iri, nearest.actor_iri, nearest.hop or 0)
    else:
        arrival = Arrival(call.iri, call.actor_iri, 0)
    if arrival.hop + 1 > hop_limit(call):
        raise InvalidInput(f"{call.iri} has travelled its {hop_limit(call)} hops")
    async with node.db.transaction() as session:
        row = await amplifications.claim(
            session,
            actor_id=org.id,
            object_iri=call.iri,
            state=SENT,
            through_iri=arrival.actor_iri,
            via_iri=arrival.activity_iri,
            hop=arrival.hop + 1,
            announce_iri=node.urls.activity(uuid.uuid4().hex),
            now=node.clock.now(),
        )
    if row is None:
        raise InvalidInput(f"{org.username} has already amplified (or queued) {call.iri}")
    await announce(node, org, call, row)
    return row
