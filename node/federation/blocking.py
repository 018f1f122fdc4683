"""An organisation's blocks of remote actors: sending Block (and Undo of it), removing the
follow in both directions (Undo of ours, Reject of theirs, as Mastodon's BlockService does),
and, once blocked, the actor's follow requests are answered with Reject and its replies and
reactions to the organisation's publications are dropped (see inbox_effects).

One use case, one transaction: the block row, the follows' removal, the activities' delivery
rows and the audit entry commit together; the policy version moves with them.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import render_activities, render_moderation
from node.errors import InvalidInput, NotFound
from node.federation import following, remote_actors, sending
from node.federation.runtime import Runtime
from node.storage import actor_blocks, audit, follows
from node.storage.actor_blocks import ActorBlock
from node.storage.actors import LocalActor
from node.storage.audit import Who


async def block(node: Runtime, org: LocalActor, target: str, who: Who) -> ActorBlock:
    """Block an actor (handle or URL) for the organisation; blocking again changes nothing."""
    target_iri = await following.resolve_target(node, target)
    if node.urls.is_local(target_iri):
        raise InvalidInput("organisations of this node are not blocked: ask its admins")
    remote = await remote_actors.get_actor(node, target_iri)  # its inbox, before the transaction
    org_iri = node.urls.actor(org.username)
    now = node.clock.now()
    async with node.db.transaction() as session:
        found = await actor_blocks.get(session, org.id, remote.iri)
        if found is not None:
            return found
        await drop_follows(session, node, org, remote.iri)
        block_iri = node.urls.activity(uuid.uuid4().hex)
        await actor_blocks.add(session, org.id, remote.iri, block_iri, now)
        activity = render_moderation.block_to_as(block_iri, org_iri, remote.iri)
        await sending.queue(session, node, org, activity)
        await audit.record(session, who, "actor.block", remote.iri, now, {"org": org.username})
        made = await actor_blocks.get(session, org.id, remote.iri)
    node.policy.invalidate()
    node.wake_worker()
    assert made is not None
    return made


async def drop_follows(session: AsyncSession, node: Runtime, org: LocalActor, other: str) -> None:
    """End the follows between the organisation and the actor, telling the actor."""
    org_iri = node.urls.actor(org.username)
    ours = await follows.get_pair(session, org_iri, other)
    if ours is not None:
        await follows.remove(session, ours.id)
        if ours.follow_iri is not None:
            embedded = render_activities.embedded_follow(ours.follow_iri, org_iri, other)
            undo_iri = node.urls.activity(uuid.uuid4().hex)
            undo = render_activities.answer_to_as(undo_iri, "Undo", org_iri, embedded)
            await sending.queue(session, node, org, undo)
    theirs = await follows.get_pair(session, other, org_iri)
    if theirs is not None:
        await follows.remove(session, theirs.id)
        if theirs.follow_iri is not None:
            await following.answer(session, node, org, theirs.follow_iri, other, "Reject")


async def unblock(node: Runtime, org: LocalActor, target_iri: str, who: Who) -> None:
    org_iri = node.urls.actor(org.username)
    now = node.clock.now()
    async with node.db.transaction() as session:
        found = await actor_blocks.get(session, org.id, target_iri)
        if found is None:
            raise NotFound(f"{org.username} has not blocked {target_iri}")
        await actor_blocks.remove(session, org.id, target_iri, now)
        undo_iri = node.urls.activity(uuid.uuid4().hex)
        undo = render_moderation.undo_block_to_as(undo_iri, found.block_iri, org_iri, target_iri)
        await sending.queue(session, node, org, undo)
        await audit.record(session, who, "actor.unblock", target_iri, now, {"org": org.username})
    node.policy.invalidate()
    node.wake_worker()


async def blocks_of(node: Runtime, org: LocalActor) -> list[ActorBlock]:
    async with node.db.transaction() as session:
        return await actor_blocks.of_actor(session, org.id)
