"""Reports across servers: a Flag received about this node's organisations or publications
goes into the moderation queue (once per id); a report made here may be forwarded to the
reported actor's server as a Flag signed by the instance actor (anonymous to that server).

A received Flag is kept only when it names something of this node (an organisation, or a
publication of one), and not when its server's reports are rejected by a domain block.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import render_moderation
from node.activitypub.objects import ActivityView
from node.activitypub.received_flags import FlagView
from node.federation import sending
from node.federation.runtime import Runtime
from node.storage import actors, objects, reports
from node.storage.remote_actors import RemoteActor
from node.urls import authority


async def on_flag(node: Runtime, activity: ActivityView) -> bool:
    """Queue a received report; False when it is not about this node or reports from its
    server are rejected."""
    policy = await node.policy.current()
    if policy.rejects_reports(authority(activity.actor)):
        return False
    flag = FlagView.from_activity(activity)
    local = [iri for iri in flag.objects if node.urls.is_local(iri)]
    if not local:
        return False
    async with node.db.transaction() as session:
        target = await reported_actor(session, node, local)
        if target is None:
            return False
        return await reports.add_received(
            session,
            flag_iri=flag.iri,
            reporter_iri=flag.reporter,
            target_iri=target,
            object_iris=[iri for iri in local if iri != target],
            comment=flag.comment,
            now=node.clock.now(),
        )


async def reported_actor(session: AsyncSession, node: Runtime, iris: Sequence[str]) -> str | None:
    """The organisation a report is about: one it names, else the author of what it names."""
    for iri in iris:
        if node.urls.actor_name(iri) is not None:
            return iri
    for iri in iris:
        stored = await objects.get(session, iri)
        if stored is not None and stored.local_actor_id is not None:
            return stored.actor_iri
    return None


async def queue_flag(
    session: AsyncSession,
    node: Runtime,
    target: RemoteActor,
    object_iris: Sequence[str],
    comment: str,
) -> str:
    """Queue a Flag of the target (and objects) to its inbox, in the caller's transaction;
    returns the Flag's id. The caller wakes the worker after committing."""
    instance = await actors.instance_actor(session)
    flag_iri = node.urls.activity(uuid.uuid4().hex)
    flag = render_moderation.flag_to_as(
        flag_iri, node.urls.instance_actor, target.iri, object_iris, comment
    )
    inbox = target.inbox or target.shared_inbox
    await sending.queue(session, node, instance, flag, extra_inboxes=[inbox] if inbox else [])
    return flag_iri
