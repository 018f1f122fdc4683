"""Deliveries by urgency, on SQLite and PostgreSQL: the most urgent rows are claimed first, a
row of a call past its deadline is never attempted again, a retry that would come after the
deadline is not scheduled, and publishing a call gives its rows its urgency and deadline."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from node.clock import FrozenClock
from node.config import Settings
from node.federation.delivery_queue import EXPIRED, DeliveryQueue
from node.federation.runtime import Runtime, make_runtime
from node.solidarity import organisations, publishing, validation
from node.storage import actors, deliveries, follows, remote_actors
from node.storage.deliveries import CRITICAL, HIGH, NORMAL
from node.storage.follows import ACCEPTED
from node.storage.remote_actors import RemoteActor
from node.storage.tables import DeliveryRow

LEASE = timedelta(minutes=1)


async def alpha_id(node: Runtime) -> int:
    async with node.db.transaction() as session:
        return (await actors.by_username(session, "alpha")).id


async def enqueue(node: Runtime, key: str, inboxes: list[str], **options: object) -> None:
    actor_id = await alpha_id(node)
    async with node.db.transaction() as session:
        await deliveries.enqueue(
            session,
            f"https://node.test/activities/{key}",
            actor_id,
            "{}",
            inboxes,
            node.clock.now(),
            **options,  # type: ignore[arg-type]
        )


async def rows(node: Runtime) -> list[DeliveryRow]:
    async with node.db.transaction() as session:
        return list(await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


@pytest.fixture
async def answering(
    settings: Settings, clock: FrozenClock, node: Runtime, alpha: str
) -> AsyncIterator[Callable[[int], Runtime]]:
    """A second Runtime on the same database whose POSTs all get the given status."""
    made: list[Runtime] = []

    def with_status(status: int) -> Runtime:
        transport = httpx.MockTransport(lambda request: httpx.Response(status))
        runtime = make_runtime(settings, clock=clock, transport=transport)
        made.append(runtime)
        return runtime

    yield with_status
    for runtime in made:
        await runtime.close()


async def test_the_most_urgent_rows_are_claimed_first(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    normal = [f"https://n{n}.example/inbox" for n in range(5)]
    await enqueue(node, "normal", normal)
    clock.advance(timedelta(seconds=1))
    await enqueue(node, "high", ["https://h.example/inbox"], priority=HIGH)
    await enqueue(node, "critical", ["https://c.example/inbox"], priority=CRITICAL)
    async with node.db.transaction() as session:
        first = await deliveries.claim_due(session, clock.now(), 3, LEASE)
    assert [row.host for row in first] == ["c.example", "h.example", "n0.example"]
    assert sorted(row.priority for row in first) == [NORMAL, HIGH, CRITICAL]


async def test_an_expired_row_fails_without_an_attempt(
    node: Runtime, alpha: str, clock: FrozenClock, answering: Callable[[int], Runtime]
) -> None:
    deadline = clock.now() + timedelta(hours=1)
    await enqueue(node, "call", ["https://a.example/inbox"], expires_at=deadline)
    failing = answering(503)
    queue = DeliveryQueue(failing, http=failing.http, rng=random.Random(1))
    try:
        while await queue.run_once(50):
            pass
        (row,) = await rows(node)
        assert (row.state, row.attempts, row.last_status) == ("pending", 1, 503)
        clock.advance(timedelta(hours=2))  # the next retry is due, after the deadline
        while await queue.run_once(50):
            pass
    finally:
        await queue.aclose()
    (row,) = await rows(node)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, EXPIRED)


async def test_no_retry_is_scheduled_past_the_deadline(
    node: Runtime, alpha: str, clock: FrozenClock, answering: Callable[[int], Runtime]
) -> None:
    deadline = clock.now() + timedelta(seconds=30)  # the first retry waits at least a minute
    await enqueue(node, "call", ["https://a.example/inbox"], expires_at=deadline)
    failing = answering(503)
    queue = DeliveryQueue(failing, http=failing.http)
    try:
        while await queue.run_once(50):
            pass
    finally:
        await queue.aclose()
    (row,) = await rows(node)
    assert (row.state, row.attempts, row.last_status) == ("failed", 1, 503)
    assert (row.last_error or "").startswith(EXPIRED)


async def test_a_published_call_and_its_announces_carry_its_urgency_and_deadline(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    follower = RemoteActor(
        iri="https://r.example/users/f",
        type="Person",
        key_id="https://r.example/users/f#main-key",
        public_key_pem=None,
        username="f",
        name=None,
        inbox="https://r.example/users/f/inbox",
        shared_inbox=None,
        followers=None,
        fetched_at=clock.now(),
        gone=False,
    )
    async with node.db.transaction() as session:
        await remote_actors.upsert(session, follower, {"id": follower.iri})
        await follows.put(session, follower.iri, alpha, ACCEPTED, None, clock.now())
    org = await organisations.get(node.db, "alpha")
    deadline = clock.now() + timedelta(days=1)
    body = {
        "title": "Now",
        "content": "Come.",
        "urgency": "critical",
        "deadline": deadline.isoformat(),
    }
    await publishing.publish(node, org, validation.call(body, clock.now()))
    (row,) = await rows(node)
    assert (row.priority, row.expires_at) == (CRITICAL, deadline)
