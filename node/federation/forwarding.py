"""An author's Update or Delete of a circle call, passed along the path its Announces took.

A circle call reaches nodes its author never addressed; its revision and withdrawal must reach
them too, with the origin possibly down. Each organisation here that announced the call passes
the author's activity on, exactly as the author signed it (FEP-8b32), to those its Announce
addressed, in deliveries signed by that organisation. A receiving node accepts such a forwarded
activity (signed by someone other than its actor) only when it is an Update or Delete of a
circle call it holds, by that call's author, carrying the author's proof (checked with the key
the call's signed copy was verified with, when the author is not cached here).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import audience, integrity
from node.activitypub.objects import ActivityView
from node.federation import attestation, proofs
from node.federation.runtime import Runtime
from node.storage import deliveries, hosts, outbox, remote_actors, signed_objects
from node.urls import authority

log = logging.getLogger("node.forwarding")


async def accepts(node: Runtime, document: dict[str, Any], activity: ActivityView) -> bool:
    """Whether a forwarded activity is its author's Update or Delete of a circle call held
    here, proved by the author: then it is taken as the author's own."""
    if activity.type not in attestation.FORWARDABLE or activity.object_id is None:
        return False
    async with node.db.transaction() as session:
        call = await attestation.circle_call_of(session, activity.object_id, activity.actor)
    if call is None:
        return False
    if call.deleted_at is not None:
        return True  # already withdrawn here: another copy changes nothing
    proof = integrity.proof_of(document)
    if proof is None:
        return False
    keys = await attestation.keys_for_activity(node, document, activity.actor)
    return await proofs.verify(node, document, proof, activity.actor, keys) is not None


async def keep(node: Runtime, document: dict[str, Any], activity: ActivityView) -> None:
    """At the inbox, before normalisation: the author's proved Update or Delete of a circle
    call held here is kept as signed, to be passed along once its effect ran."""
    if activity.type not in attestation.FORWARDABLE or activity.object_id is None:
        return
    proof = integrity.proof_of(document)
    if proof is None:
        return
    async with node.db.transaction() as session:
        call = await attestation.circle_call_of(session, activity.object_id, activity.actor)
    if call is None or call.deleted_at is not None:
        return
    keys = await attestation.keys_for_activity(node, document, activity.actor)
    used = await proofs.verify(node, document, proof, activity.actor, keys)
    if used is not None:
        async with node.db.transaction() as session:
            now = node.clock.now()
            await signed_objects.keep(session, activity.iri, activity.actor, document, now, used)


async def pass_along(node: Runtime, activity_iri: str, object_iri: str) -> int:
    """In the worker, after the effect: the kept activity to everyone the local Announces of
    the object addressed, each delivery signed by the organisation that announced; returns
    how many deliveries were queued. Idempotent: one row per (activity, inbox)."""
    async with node.db.transaction() as session:
        kept = await signed_objects.get(session, activity_iri)
        if kept is None:
            return 0
        body = audience.serialise(kept.document)
        added = 0
        for actor_id, announce in await outbox.announces_of(session, object_iri):
            inboxes = await addressed_inboxes(session, node, announce)
            now = node.clock.now()
            added += await deliveries.enqueue(session, activity_iri, actor_id, body, inboxes, now)
        await signed_objects.forget(session, activity_iri)
    if added:
        log.info("passed %s along to %d inboxes", activity_iri, added)
        node.wake_worker()
    return added


async def announce_inboxes(session: AsyncSession, node: Runtime, object_iri: str) -> list[str]:
    """Inboxes the local Announces of an object addressed (for its author's own Update or
    Delete, which then goes there too)."""
    found: list[str] = []
    for _, announce in await outbox.announces_of(session, object_iri):
        found += await addressed_inboxes(session, node, announce)
    return list(dict.fromkeys(found))


async def addressed_inboxes(
    session: AsyncSession, node: Runtime, activity: dict[str, Any]
) -> list[str]:
    """Delivery inboxes of the remote actors an activity addresses (cached ones), blocked
    hosts left out."""
    found = []
    for iri in audience.addressees(activity):
        if node.urls.is_local(iri):
            continue
        actor = await remote_actors.by_iri(session, iri)
        if actor is not None and not actor.gone and actor.delivery_inbox:
            found.append(actor.delivery_inbox)
    blocked = await hosts.blocked_among(session, {authority(inbox) for inbox in found})
    return [inbox for inbox in dict.fromkeys(found) if authority(inbox) not in blocked]
