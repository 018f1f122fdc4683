"""Sending activities: an activity, signed by its actor's assertion key, fanned out into
durable delivery rows, one per inbox.

queue() runs inside the caller's transaction, so the rows commit with the change that caused
them (DESIGN §3: one use case, one transaction); send() is queue() in a transaction of its own.
The activity is serialised once, its audience resolved from the cache (never the network),
hosts the federation policy refuses (blocked, not allowed) dropped; the worker
(delivery_queue.py) works the rows off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import audience
from node.errors import InvalidInput
from node.federation import proofs
from node.federation.runtime import Runtime
from node.publication import Urgency
from node.storage import deliveries, remote_actors
from node.storage.actors import APPLICATION, LocalActor
from node.urls import Urls, authority

log = logging.getLogger("node.deliveries")
PRIORITY = {
    Urgency.LOW: deliveries.LOW,
    Urgency.NORMAL: deliveries.NORMAL,
    Urgency.HIGH: deliveries.HIGH,
    Urgency.CRITICAL: deliveries.CRITICAL,
}


def actor_iri(urls: Urls, actor: LocalActor) -> str:
    return urls.instance_actor if actor.kind == APPLICATION else urls.actor(actor.username)


async def send(
    node: Runtime,
    actor: LocalActor,
    activity: Mapping[str, Any],
    *,
    extra_inboxes: Iterable[str] = (),
) -> int:
    """Queue `activity` (signed by `actor`) for everyone it addresses; returns new rows.

    The actor's followers collection expands to its followers' (shared) inboxes; other
    remote actors need to be in the cache. Wakes the in-process worker (node.wake_worker).
    """
    async with node.db.transaction() as session:
        added = await queue(session, node, actor, activity, extra_inboxes=extra_inboxes)
    if added:
        node.wake_worker()
    return added


async def queue(
    session: AsyncSession,
    node: Runtime,
    actor: LocalActor,
    activity: Mapping[str, Any],
    *,
    extra_inboxes: Iterable[str] = (),
    urgency: Urgency | None = None,
    expires_at: datetime | None = None,
) -> int:
    """send() inside the caller's transaction, so the rows commit with what caused them;
    the caller wakes the worker once it has committed. A call's activities carry its urgency
    (deliveries are claimed most urgent first) and may expire at its deadline (no attempt
    after it)."""
    activity_iri = activity.get("id")
    if not isinstance(activity_iri, str) or not node.urls.is_local(activity_iri):
        raise InvalidInput(f"an activity to send needs an id on this node, not {activity_iri!r}")
    # what is sent carries a proof by the actor's assertion key (FEP-8b32), made over
    # exactly what is sent: without bto and bcc
    signed = proofs.sign_as(node, actor, audience.without_blind_addressees(activity))
    body = audience.serialise(signed)
    targets = await _resolve(session, node, actor, activity, extra_inboxes)
    blocked = await node.policy.blocked_among({authority(i) for i in targets}, session)
    inboxes = [inbox for inbox in targets if authority(inbox) not in blocked]
    added = await deliveries.enqueue(
        session,
        activity_iri,
        actor.id,
        body,
        inboxes,
        node.clock.now(),
        priority=PRIORITY[urgency or Urgency.NORMAL],
        expires_at=expires_at,
    )
    log.debug("queued %s for %d inboxes (%d blocked)", activity_iri, added, len(blocked))
    return added


async def _resolve(
    session: AsyncSession,
    node: Runtime,
    actor: LocalActor,
    activity: Mapping[str, Any],
    extra_inboxes: Iterable[str],
) -> tuple[str, ...]:
    wanted = audience.addressees(activity)
    collections: dict[str, list[str]] = {}
    if actor.kind != APPLICATION and (followers := node.urls.followers(actor.username)) in wanted:
        sender = actor_iri(node.urls, actor)
        collections[followers] = await remote_actors.follower_inboxes(session, sender)
    actor_inboxes: dict[str, str] = {}
    for iri in wanted:
        if iri not in collections and not node.urls.is_local(iri):
            found = await remote_actors.by_iri(session, iri)
            if found is not None and found.inbox and not found.gone:
                actor_inboxes[iri] = found.inbox
    targets = audience.resolve(
        activity,
        own_host=node.settings.host,
        collections=collections,
        actor_inboxes=actor_inboxes,
        extra=extra_inboxes,
    )
    if targets.unresolved:
        log.info("no known inbox for %s", ", ".join(targets.unresolved))
    return targets.inboxes
