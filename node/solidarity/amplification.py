"""Amplification: an organisation passing on an ally's call with its own Announce.

A call arrives by a Create from its author (hop 0) or by an Announce carrying `hop`; every local
organisation that has the sender as an ally, and whose policy matches, announces the original
object once (the unique row in storage.amplifications decides), with `via` = the activity it
arrived by and `hop` = incoming hop + 1. Never by the call's author, never past the call's
maxHops (default 6) nor the organisation's own max_hops, never after the deadline, never for
deleted calls nor any but public and circle calls; a circle call only along the trusted cascade
(node.solidarity.trusted_cascade: to the organisation's own circle, never its followers, and
only by an organisation the arrival addressed). Local organisations are not delivered to, so
each sent Announce is also considered here. An arrival's cascade entry, the claims, the
Announces and their delivery rows commit together in one transaction (two when an actor to
address must be fetched first).
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub.circles import addressed
from node.activitypub.objects import cascade_marks
from node.activitypub.render_activities import announce_to_as
from node.errors import InvalidInput, NotFound, SolidarityError
from node.federation import remote_actors, sending
from node.federation.runtime import Runtime
from node.publication import DEFAULT_MAX_HOPS, Kind, Visibility
from node.solidarity import allies, trusted_cascade
from node.storage import allies as ally_rows
from node.storage import amplifications, cascade, objects, outbox, signed_objects
from node.storage import remote_actors as actor_rows
from node.storage.actors import LocalActor
from node.storage.allies import Ally
from node.storage.amplifications import PENDING, REJECTED, SENT, WITHDRAWN, Amplification
from node.storage.db import after_commit
from node.storage.objects import StoredObject

log = logging.getLogger("node.amplification")


@dataclass(frozen=True)
class Arrival:
    """How a call reached this node: the activity, its sender, and the sender's hop; for a
    circle call, whom the activity addressed (only they may pass it on)."""

    activity_iri: str
    actor_iri: str
    hop: int
    addressed: frozenset[str] | None = None


@dataclass(frozen=True)
class Candidate:
    """A local organisation that would amplify an arrival (through its ally record `ally`);
    manual: a member decides."""

    org: LocalActor
    manual: bool
    ally: Ally | None = None


TRAVELLING = frozenset({Visibility.PUBLIC, Visibility.CIRCLE})


def is_open(node: Runtime, call: StoredObject) -> bool:
    """A call that may still travel: public or circle, not deleted, deadline not passed."""
    deadline = call.fields.deadline
    return (
        call.kind is Kind.CALL
        and call.visibility in TRAVELLING
        and call.deleted_at is None
        and (deadline is None or deadline > node.clock.now())
    )


def hop_limit(call: StoredObject, org: LocalActor | None = None) -> int:
    """How far the call may travel: its maxHops, and the organisation's own cap."""
    wanted = call.fields.max_hops
    limit = DEFAULT_MAX_HOPS if wanted is None else wanted
    return limit if org is None else min(limit, org.max_hops)


async def candidates(
    session: AsyncSession, node: Runtime, call: StoredObject, arrival: Arrival
) -> list[Candidate]:
    """The organisations whose ally sent this, whose policy matches and whose cap allows."""
    if not is_open(node, call) or arrival.hop + 1 > hop_limit(call):
        return []
    circle = trusted_cascade.is_circle(call)
    if circle and not isinstance(await as_signed(session, call), dict):
        return []  # passed on only as its author signed it: no one downstream asks the origin
    found = []
    for ally, org in await ally_rows.naming_with_organisations(session, arrival.actor_iri):
        verdict = allies.decision(ally, call.fields)
        if (
            verdict is None
            or org.is_deleted
            or node.urls.actor(org.username) == call.actor_iri  # never back to the origin
            or arrival.hop + 1 > hop_limit(call, org)
        ):
            continue
        if circle and not await trusted_cascade.passes_on(
            session, node, org, ally, call, arrival.addressed
        ):
            continue
        found.append(Candidate(org, manual=verdict == "manual", ally=ally))
    # claims lock index entries until commit; one order keeps two workers from crossing
    return sorted(found, key=lambda candidate: candidate.org.id)


@dataclass(frozen=True)
class Seen:
    """The cascade entry of an arrival, as the activity said it: type, via and hop."""

    type: str
    via: str | None
    hop: int | None
    at: datetime


async def arrive(node: Runtime, call: StoredObject, arrival: Arrival, seen: Seen | None) -> None:
    """Record the arrival in the cascade (unless `seen` is None: a relay passing the call on
    is no step of it) and amplify for every organisation it concerns.

    Actors the Announces address are fetched before the writing transaction when not cached,
    so no network I/O runs inside one."""
    async with node.db.transaction() as session:
        sent, missing = await record_and_amplify(session, node, call, arrival, seen)
    if missing:
        await cache_actors(node, sorted(missing))
        async with node.db.transaction() as session:
            found = await candidates(session, node, call, arrival)
            sent = await amplify(session, node, call, arrival, found)
    if sent:
        node.wake_worker()


async def record_and_amplify(
    session: AsyncSession, node: Runtime, call: StoredObject, arrival: Arrival, seen: Seen | None
) -> tuple[int, set[str]]:
    """In the caller's transaction: the arrival's cascade entry, then every candidate's
    Announce; returns how many were queued, or none and the remote actors they would address
    that must be fetched first (never for a call published here: its actors are local). Only
    a public or unlisted call, or a circle call (its Announces come from allies, checked on
    arrival), has a cascade to record: a boost of any other adds nothing."""
    if seen is not None and (call.fields.is_listed or trusted_cascade.is_circle(call)):
        await cascade.add(
            session,
            activity_iri=arrival.activity_iri,
            object_iri=call.iri,
            type=seen.type,
            actor_iri=arrival.actor_iri,
            via_iri=seen.via,
            hop=seen.hop,
            at=seen.at,
        )
    found = await candidates(session, node, call, arrival)
    if trusted_cascade.is_circle(call):  # addressed: the circles' members, not author nor sender
        pairs = [(c.org, c.ally) for c in found if c.ally is not None]
        wanted = await trusted_cascade.members_to_cache(session, node, pairs, call)
    else:
        wanted = [call.actor_iri, arrival.actor_iri]
    missing = await uncached(session, node, wanted, found)
    if missing:
        return 0, missing
    return await amplify(session, node, call, arrival, found), set()


async def uncached(
    session: AsyncSession, node: Runtime, iris: list[str], found: list[Candidate]
) -> set[str]:
    """Which remote actors the Announces would address are not cached (none without any)."""
    remote_iris = {iri for iri in iris if not node.urls.is_local(iri)} if found else set()
    if not remote_iris:
        return set()
    return remote_iris - await actor_rows.known_among(session, remote_iris)


async def amplify(
    session: AsyncSession,
    node: Runtime,
    call: StoredObject,
    arrival: Arrival,
    found: list[Candidate],
) -> int:
    """Claim and announce for each candidate, then for local allies of those that announced,
    and so on; returns how many Announces were queued."""
    waiting = deque([(arrival, found)])
    sent = 0
    while waiting:
        arrival, found = waiting.popleft()
        for candidate in found:
            row = await claim(session, node, candidate, call, arrival)
            if row is not None and row.state == SENT:
                onward = await announce(session, node, candidate.org, call, row)
                sent += 1
                waiting.append((onward, await candidates(session, node, call, onward)))
    return sent


async def claim(
    session: AsyncSession,
    node: Runtime,
    candidate: Candidate,
    call: StoredObject,
    arrival: Arrival,
) -> Amplification | None:
    return await amplifications.claim(
        session,
        actor_id=candidate.org.id,
        object_iri=call.iri,
        state=PENDING if candidate.manual else SENT,
        through_iri=arrival.actor_iri,
        via_iri=arrival.activity_iri,
        hop=arrival.hop + 1,
        announce_iri=None if candidate.manual else node.urls.activity(uuid.uuid4().hex),
        now=node.clock.now(),
    )


async def announce(
    session: AsyncSession, node: Runtime, org: LocalActor, call: StoredObject, row: Amplification
) -> Arrival:
    """Record the organisation's Announce and queue its deliveries; returns it as an arrival
    for local allies of the organisation."""
    org_iri = node.urls.actor(org.username)
    assert row.announce_iri is not None
    if trusted_cascade.is_circle(call):
        signed = await as_signed(session, call)
        if not isinstance(signed, dict):
            raise SolidarityError(f"no signed copy of the circle call {call.iri} to pass on")
        to = await trusted_cascade.announce(session, node, org, call, row, signed)
        return Arrival(row.announce_iri, org_iri, row.hop, to)
    now = node.clock.now()
    document = announce_to_as(
        row.announce_iri,
        org_iri,
        await as_signed(session, call),
        followers=node.urls.followers(org.username),
        also=addressed_by(call, row.through_iri, org_iri),
        via=row.via_iri,
        hop=row.hop,
        published=now,
    )
    await outbox.record(
        session,
        iri=row.announce_iri,
        actor_id=org.id,
        type="Announce",
        object_iri=call.iri,
        visibility=Visibility.PUBLIC,
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
    fields = call.fields
    await sending.queue(
        session, node, org, document, urgency=fields.urgency, expires_at=fields.deadline
    )
    hop = row.hop
    after_commit(session, lambda: node.metrics.cascade_hop("sent", hop))
    return Arrival(row.announce_iri, org_iri, row.hop)


async def as_signed(session: AsyncSession, call: StoredObject) -> str | dict[str, Any]:
    """The call as its author signed it (ours, or a received copy whose proof verified), for
    an Announce to embed; its IRI when no signed copy is at hand."""
    if call.local_actor_id is not None and "proof" in call.document:
        return call.document
    signed = await signed_objects.get(session, call.iri)
    return call.iri if signed is None else signed.document


def addressed_by(call: StoredObject, through_iri: str | None, org_iri: str) -> list[str]:
    """Whom an Announce cc's besides the followers: the author, and the ally it came through."""
    also = [call.actor_iri]
    if through_iri and through_iri not in (call.actor_iri, org_iri):
        also.append(through_iri)
    return also


async def cache_actors(node: Runtime, iris: list[str]) -> None:
    """Remote actors addressed in cc must be cached for their inboxes to be known."""
    for iri in iris:
        if node.urls.is_local(iri):
            continue
        try:
            await remote_actors.get_actor(node, iri)
        except SolidarityError as exc:
            log.info("cannot address %s in an Announce: %s", iri, exc)


# arrivals -----------------------------------------------------------------------------


def root(activity_iri: str, call: StoredObject) -> tuple[Arrival, Seen]:
    """A call's Create as the root of its cascade (hop 0)."""
    arrival = Arrival(activity_iri, call.actor_iri, 0, trusted_cascade.audience_of(call))
    return arrival, Seen("Create", None, 0, call.published)


async def on_create(node: Runtime, activity_iri: str, call: StoredObject) -> None:
    """A call's Create received from its author."""
    await arrive(node, call, *root(activity_iri, call))


async def on_published(
    session: AsyncSession, node: Runtime, activity_iri: str, call: StoredObject
) -> int:
    """A call published here, in its publishing transaction: the root of its cascade and the
    Announces of local organisations that have its author as an ally (queued, not woken)."""
    sent, missing = await record_and_amplify(session, node, call, *root(activity_iri, call))
    if missing:  # cannot happen: a local call's Announces address local actors only
        raise SolidarityError(f"{call.iri}: remote actors to address {sorted(missing)}")
    return sent


async def wanted_from(node: Runtime, actor_iri: str) -> bool:
    """Whether some local organisation has this actor as an ally (worth fetching its boosts)."""
    async with node.db.transaction() as session:
        return bool(await ally_rows.naming(session, actor_iri))


async def on_announce(
    node: Runtime,
    activity_iri: str,
    actor_iri: str,
    document: dict[str, object],
    call: StoredObject,
) -> None:
    """Another actor's Announce of a known call: record it, then consider amplifying.

    A boost without `hop` (Mastodon) counts as hop 1, or 0 from the author itself."""
    if call.kind is not Kind.CALL:
        return
    via, hop = cascade_marks(dict(document))
    incoming = hop if hop is not None else (0 if actor_iri == call.actor_iri else 1)
    seen = Seen("Announce", via, hop, node.clock.now())
    node.metrics.cascade_hop("received", incoming)
    to = addressed(dict(document)) if trusted_cascade.is_circle(call) else None
    await arrive(node, call, Arrival(activity_iri, actor_iri, incoming, to), seen)


async def on_withdrawn(node: Runtime, object_iri: str) -> None:
    """The call was deleted (or its author undid an Announce of it): pending ones are dropped."""
    async with node.db.transaction() as session:
        await drop_pending(session, node, object_iri)


async def drop_pending(session: AsyncSession, node: Runtime, object_iri: str) -> int:
    """Pending amplifications of a withdrawn call, dropped in the caller's transaction."""
    dropped = await amplifications.withdraw_pending(session, object_iri, node.clock.now())
    if dropped:
        log.info("withdrew %d pending amplifications of %s", dropped, object_iri)
    return dropped


# members' decisions ---------------------------------------------------------------------


async def pending(node: Runtime, org: LocalActor) -> list[tuple[Amplification, StoredObject]]:
    async with node.db.transaction() as session:
        rows = await amplifications.pending_of(session, org.id)
        found = [(row, await objects.get(session, row.object_iri)) for row in rows]
    return [(row, call) for row, call in found if call is not None]


async def owned_pending(node: Runtime, org: LocalActor, amplification_id: int) -> Amplification:
    async with node.db.transaction() as session:
        row = await amplifications.get(session, amplification_id)
    if row is None or row.actor_id != org.id:
        raise NotFound(f"{org.username} has no amplification {amplification_id}")
    if row.state != PENDING:
        raise InvalidInput(f"amplification {amplification_id} is already {row.state}")
    return row


async def decide(
    node: Runtime, org: LocalActor, amplification_id: int, approve: bool
) -> Amplification:
    """Approve (send the Announce now, if the call is still open) or reject a pending one."""
    row = await owned_pending(node, org, amplification_id)
    async with node.db.transaction() as session:
        call = await objects.get(session, row.object_iri)
        if approve and call is not None and trusted_cascade.is_circle(call):
            await trusted_cascade.check_onward(session, node, org, call, row.through_iri)
    still_open = call is not None and is_open(node, call)
    state = SENT if approve and still_open else REJECTED if not approve else WITHDRAWN
    announce_iri = node.urls.activity(uuid.uuid4().hex) if state == SENT else None
    if state == SENT and call is not None and not trusted_cascade.is_circle(call):
        await cache_actors(node, addressed_by(call, row.through_iri, node.urls.actor(org.username)))
    async with node.db.transaction() as session:
        if not await amplifications.decide(session, row.id, state, announce_iri, node.clock.now()):
            raise InvalidInput(f"amplification {amplification_id} was decided meanwhile")
        decided = await amplifications.get(session, row.id)
        assert decided is not None
        if state == SENT and call is not None:
            await announce_and_follow(session, node, org, call, decided)
    if state == WITHDRAWN:
        raise InvalidInput("the call was deleted or its deadline passed; nothing was sent")
    if state == SENT:
        node.wake_worker()
    return decided


async def announce_and_follow(
    session: AsyncSession, node: Runtime, org: LocalActor, call: StoredObject, row: Amplification
) -> None:
    """A member's Announce, and the local allies of the organisation following on."""
    onward = await announce(session, node, org, call, row)
    await amplify(session, node, call, onward, await candidates(session, node, call, onward))


async def by_hand(node: Runtime, org: LocalActor, call: StoredObject) -> Amplification:
    """A member amplifies a known public call, through the nearest arrival this node saw
    (a circle call travels only along the trusted cascade)."""
    if not is_open(node, call) or call.visibility is not Visibility.PUBLIC:
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
    if arrival.hop + 1 > hop_limit(call, org):
        limit = hop_limit(call, org)
        raise InvalidInput(f"{call.iri} has travelled its {limit} hops (for {org.username})")
    await cache_actors(node, addressed_by(call, arrival.actor_iri, node.urls.actor(org.username)))
    async with node.db.transaction() as session:
        claimed = await claim(session, node, Candidate(org, manual=False), call, arrival)
        if claimed is not None:
            await announce_and_follow(session, node, org, call, claimed)
    if claimed is None:
        raise InvalidInput(f"{org.username} has already amplified (or queued) {call.iri}")
    node.wake_worker()
    return claimed
