"""Closing calls at their deadline (SQLite and PostgreSQL): once a local call's deadline has
passed, the worker sends its Update marked `closed` (its proof made anew) to the followers its
Create reached, once; a withdrawn call is set aside without one; strategies never close."""

from __future__ import annotations

from datetime import timedelta

import httpx

from node.activitypub import integrity
from node.activitypub.objects import ActorView
from node.clock import FrozenClock
from node.federation.remote_actors import to_remote
from node.federation.runtime import Runtime
from node.publication import Kind
from node.runner import build_worker
from node.solidarity import organisations, publishing, validation
from node.storage import follows, objects, remote_actors
from node.storage.follows import ACCEPTED
from tests.support.actors import RemoteHost, hosted
from tests.support.router import HostRouter


async def followed_by(node: Runtime, alpha: str, remote: RemoteHost) -> None:
    bob = remote.actor("bob")
    view = ActorView.from_document(bob.document(), bob.key_id)
    async with node.db.transaction() as session:
        await remote_actors.upsert(session, to_remote(view, node), bob.document())
        await follows.put(session, bob.iri, alpha, ACCEPTED, None, node.clock.now())


async def publish_call(node: Runtime, clock: FrozenClock, hours: int = 1) -> str:
    org = await organisations.get(node.db, "alpha")
    deadline = (clock.now() + timedelta(hours=hours)).isoformat()
    body = {"title": "Evictions", "content": "Come.", "deadline": deadline}
    stored = await publishing.publish(node, org, validation.call(body, clock.now()))
    return stored.iri


async def test_a_call_past_its_deadline_is_closed_by_one_update(
    node: Runtime, alpha: str, router: HostRouter, clock: FrozenClock
) -> None:
    remote = hosted(router, "remote.test")
    await followed_by(node, alpha, remote)
    iri = await publish_call(node, clock)
    worker = build_worker(node)
    await worker.run_until_idle()
    assert [doc["type"] for doc in remote.received] == ["Create"]
    clock.advance(timedelta(minutes=59))
    await worker.run_until_idle()
    assert len(remote.received) == 1  # not before the deadline
    clock.advance(timedelta(minutes=2))
    await worker.run_until_idle()
    await worker.run_until_idle()
    update = remote.received[-1]
    assert [doc["type"] for doc in remote.received] == ["Create", "Update"]
    assert update["object"]["id"] == iri and "closed" in update["object"]
    assert update["object"]["content"].startswith("<p><strong>Closed</strong>")
    org = await organisations.get(node.db, "alpha")
    proof = integrity.proof_of(update["object"])
    assert proof is not None and org.assertion_private_pem is not None
    key = integrity.load_private(org.assertion_private_pem).public_key()
    integrity.verify(update["object"], proof, key)  # signed anew: its proof covers `closed`
    async with node.db.transaction() as session:
        kept = await objects.get(session, iri)
    assert kept is not None and kept.document["closed"] == update["object"]["closed"]
    await worker.aclose()


async def test_a_withdrawn_call_is_set_aside_without_an_update(
    node: Runtime, alpha: str, router: HostRouter, clock: FrozenClock
) -> None:
    remote = hosted(router, "remote.test")
    await followed_by(node, alpha, remote)
    iri = await publish_call(node, clock)
    org = await organisations.get(node.db, "alpha")
    await publishing.withdraw(node, org, Kind.CALL, iri.rsplit("/", 1)[-1])
    clock.advance(timedelta(hours=2))
    worker = build_worker(node)
    await worker.run_until_idle()
    assert [doc["type"] for doc in remote.received] == ["Delete"]  # the Create expired
    async with node.db.transaction() as session:
        assert await objects.calls_to_close(session, clock.now(), 10) == []
        assert await objects.next_deadline(session) is None
    await worker.aclose()


async def test_strategies_and_open_calls_are_not_closed(
    node: Runtime, alpha: str, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    body = {"title": "How we organise", "content": "Together.", "summary": "Notes."}
    await publishing.publish(node, org, validation.strategy(body))
    await publish_call(node, clock, hours=48)
    async with node.db.transaction() as session:
        assert await objects.calls_to_close(session, clock.now() + timedelta(hours=47), 10) == []
        due = await objects.next_deadline(session)
    assert due is not None and due == clock.now() + timedelta(hours=48)
