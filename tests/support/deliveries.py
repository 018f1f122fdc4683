"""Sending and delivering as the federation tests drive them: activities of alpha (node.test)
to address, remote actors and followers remembered as a fetch or an accepted Follow would have
left them, a worker over given queues, and the delivery rows read back."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from node.federation.delivery_queue import DeliveryQueue
from node.federation.runtime import Runtime
from node.storage import deliveries as rows
from node.storage import remote_actors
from node.storage.follows import ACCEPTED
from node.storage.remote_actors import RemoteActor
from node.storage.tables import DeliveryRow, FollowRow
from node.workers import Worker

FOLLOWERS = "https://node.test/users/alpha/followers"


def worker(node: Runtime, *queues: DeliveryQueue) -> Worker:
    return Worker(list(queues), node.clock)


def note(node: Runtime, **addressing: Any) -> dict[str, Any]:
    key = uuid.uuid4().hex
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": node.urls.activity(key),
        "type": "Create",
        "actor": "https://node.test/users/alpha",
        "object": {"id": f"https://node.test/notes/{key}", "type": "Note", "content": "hi"},
        **addressing,
    }


async def remember(node: Runtime, iri: str, inbox: str, shared: str | None = None) -> None:
    actor = RemoteActor(
        iri=iri,
        type="Person",
        key_id=f"{iri}#main-key",
        public_key_pem=None,
        username=iri.rsplit("/", 1)[-1],
        name=None,
        inbox=inbox,
        shared_inbox=shared,
        followers=None,
        fetched_at=node.clock.now(),
        gone=False,
    )
    async with node.db.transaction() as session:
        await remote_actors.upsert(session, actor, {"id": iri})


async def follow(node: Runtime, alpha: str, iri: str, inbox: str, shared: str | None) -> None:
    await remember(node, iri, inbox, shared)
    now = node.clock.now()
    async with node.db.transaction() as session:
        session.add(
            FollowRow(
                follower_iri=iri, target_iri=alpha, state=ACCEPTED, created_at=now, updated_at=now
            )
        )


async def all_rows(node: Runtime) -> list[DeliveryRow]:
    async with node.db.transaction() as session:
        return list(await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


async def counts(node: Runtime, iri: str | None = None) -> rows.DeliveryCounts:
    async with node.db.transaction() as session:
        return await rows.counts(session, iri)
