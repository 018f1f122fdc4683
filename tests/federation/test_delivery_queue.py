"""The delivery queue, end to end: each answer's state, retries with backoff, hanging hosts,
host health, several workers and crashes; real uvicorn sinks on loopback ports verify every
signature, workers are driven by run_until_idle() and the clock is frozen.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from node.activitypub.delivery import MAX_ATTEMPTS
from node.activitypub.vocabulary import PUBLIC
from node.clock import FrozenClock
from node.config import FetchLimits
from node.federation import sending
from node.federation.delivery_queue import DeliveryQueue
from node.federation.runtime import Runtime, make_runtime
from node.storage import deliveries as rows
from node.storage import hosts
from node.storage.actors import LocalActor
from node.storage.hosts import FAILURE_DAYS_LIMIT, PROBE_INTERVAL
from node.storage.tables import DeliveryRow
from tests.support.deliveries import FOLLOWERS, all_rows, counts, follow, note, remember, worker
from tests.support.sinks import Sink

# --- outcomes and retries -------------------------------------------------------------


async def send_to_hosts(node: Runtime, sender: LocalActor, sink: Sink) -> dict[str, Any]:
    """One activity addressed to one actor on each of the sink's hosts."""
    iris = [f"http://{host}/users/u" for host in sink.hosts]
    for iri, host in zip(iris, sink.hosts, strict=True):
        await remember(node, iri, f"http://{host}/inbox")
    activity = note(node, to=iris)
    await sending.send(node, sender, activity)
    return activity


async def test_each_answer_leads_to_its_state(
    node: Runtime, sender: LocalActor, sink: Sink, queue: DeliveryQueue, clock: FrozenClock
) -> None:
    for host, status in zip(sink.hosts, (202, 500, 410, 401), strict=False):
        sink.answer(host, status)
    sink.answer(sink.hosts[4], 429, retry_after="3600")
    await send_to_hosts(node, sender, sink)
    await worker(node, queue).run_until_idle()

    by_host = {row.host: row for row in await all_rows(node)}
    ok, error, gone, unauthorised, limited = (by_host[host] for host in sink.hosts)
    now = clock.now()
    assert (ok.state, ok.last_status, ok.delivered_at) == ("delivered", 202, now)
    assert (gone.state, gone.last_status, gone.last_error) == ("failed", 410, "HTTP 410")
    for row in (error, unauthorised):
        assert (row.state, row.attempts) == ("pending", 1)
        assert now + timedelta(minutes=1) <= row.next_attempt_at <= now + timedelta(seconds=75)
    assert limited.next_attempt_at == now + timedelta(hours=1)
    assert all(row.locked_until is None for row in by_host.values())
    assert queue.stats == {"delivered": 1, "failed": 1, "retry": 3}


async def test_retries_back_off_exponentially_and_finally_give_up(
    node: Runtime, sender: LocalActor, sink: Sink, queue: DeliveryQueue, clock: FrozenClock
) -> None:
    sink.answer(sink.hosts[0], 503)
    await remember(node, "http://x/u", sink.url(0))
    await sending.send(node, sender, note(node, to=["http://x/u"]))
    run = worker(node, queue)
    for attempt in range(1, 11):  # ten attempts within 8.5 hours: one failing day
        await run.run_until_idle()
        (row,) = await all_rows(node)
        base = timedelta(minutes=2 ** (attempt - 1))
        assert row.attempts == attempt and len(sink.received) == attempt
        assert base <= row.next_attempt_at - clock.now() <= base * 1.25
        clock.set(row.next_attempt_at)
    async with node.db.transaction() as session:
        await session.execute(update(DeliveryRow).values(attempts=MAX_ATTEMPTS - 1))
    await run.run_until_idle()
    (row,) = await all_rows(node)
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error == f"gave up after {MAX_ATTEMPTS} attempts: HTTP 503"


async def test_a_hanging_host_times_out_without_holding_up_the_others(
    settings: Any, node: Runtime, sender: LocalActor, sink: Sink, clock: FrozenClock
) -> None:
    quick = replace(settings, fetch=FetchLimits(connect_timeout=1.0, read_timeout=0.3))
    other = make_runtime(quick, clock=clock)
    delivering = DeliveryQueue(other)
    try:
        sink.hang(sink.hosts[0])
        await send_to_hosts(node, sender, sink)
        await worker(other, delivering).run_until_idle()
    finally:
        await delivering.aclose()
        await other.close()
    by_host = {row.host: row for row in await all_rows(node)}
    assert by_host[sink.hosts[0]].state == "pending"
    assert (by_host[sink.hosts[0]].last_error or "").startswith("FetchTimeout")
    assert [by_host[host].state for host in sink.hosts[1:]] == ["delivered"] * 4


async def test_attempts_outlive_a_cycle_and_aclose_releases_them(
    node: Runtime, sender: LocalActor, sink: Sink, clock: FrozenClock
) -> None:
    sink.hang(sink.hosts[0])
    await send_to_hosts(node, sender, sink)
    delivering = DeliveryQueue(node, poll_seconds=0.05)
    try:
        for _ in range(200):  # each cycle waits at most poll_seconds for an attempt to end
            await delivering.run_once(50)
            if (await counts(node)).delivered == 4:
                break
        assert delivering.in_hand == 1  # the hanging one, still out
        assert await delivering.next_due() == clock.now()
    finally:
        await delivering.aclose()
    (hanging,) = [row for row in await all_rows(node) if row.state == "pending"]
    assert (hanging.locked_until, hanging.attempts) == (None, 0)


# --- host health --------------------------------------------------------------------------


async def test_a_host_failing_on_seven_days_is_skipped_until_a_probe_succeeds(
    node: Runtime, sender: LocalActor, sink: Sink, queue: DeliveryQueue, clock: FrozenClock
) -> None:
    down = sink.hosts[0]
    sink.answer(down, 500)
    await remember(node, "http://x/u", sink.url(0))
    run = worker(node, queue)
    for day in range(FAILURE_DAYS_LIMIT):
        clock.advance(timedelta(days=1 if day else 0))
        await sending.send(node, sender, note(node, to=["http://x/u"]))
        await run.run_until_idle()
    async with node.db.transaction() as session:
        health = await hosts.health(session, down)
    assert health is not None and not health.available
    assert health.next_probe_at == clock.now() + PROBE_INTERVAL
    posts = len(sink.received)

    waiting = note(node, to=["http://x/u"])
    await sending.send(node, sender, waiting)
    await run.run_until_idle()
    assert len(sink.received) == posts  # postponed, not attempted
    by_activity = {row.activity_iri: row for row in await all_rows(node)}
    assert by_activity[waiting["id"]].next_attempt_at == health.next_probe_at
    assert by_activity[waiting["id"]].attempts == 0

    sink.answer(down, 202)
    clock.set(health.next_probe_at + timedelta(seconds=1))
    await run.run_until_idle()
    async with node.db.transaction() as session:
        health = await hosts.health(session, down)
    assert health is not None and health.available and health.failure_days == 0
    assert await counts(node) == rows.DeliveryCounts(delivered=FAILURE_DAYS_LIMIT + 1)
    assert len(sink.received) == posts + FAILURE_DAYS_LIMIT + 1  # the probe, then the rest


# --- several workers, crashes ---------------------------------------------------------------


async def test_two_workers_at_once_never_deliver_a_row_twice(
    settings: Any, node: Runtime, sender: LocalActor, sink: Sink, clock: FrozenClock
) -> None:
    for n in range(40):
        host = sink.hosts[n % 5]
        await follow(
            node,
            node.urls.actor("alpha"),
            f"http://{host}/u/{n}",
            f"http://{host}/u/{n}/inbox",
            None,
        )
    for _ in range(5):
        await sending.send(node, sender, note(node, to=[PUBLIC], cc=[FOLLOWERS]))
    second = make_runtime(settings, clock=clock)  # another process: its own engine and pools
    one, two = DeliveryQueue(node, concurrency=8), DeliveryQueue(second, concurrency=8)
    try:
        await asyncio.gather(
            worker(node, one).run_until_idle(), worker(second, two).run_until_idle()
        )
    finally:
        await one.aclose()
        await two.aclose()
        await second.close()
    seen = [(got.body, got.host, got.path) for got in sink.received]
    assert len(seen) == len(set(seen)) == 200
    assert one.stats["delivered"] > 0 and two.stats["delivered"] > 0
    assert one.stats["delivered"] + two.stats["delivered"] == 200
    assert await counts(node) == rows.DeliveryCounts(delivered=200)


async def test_a_row_abandoned_by_a_crashed_worker_is_delivered_after_its_lease(
    node: Runtime, sender: LocalActor, sink: Sink, queue: DeliveryQueue, clock: FrozenClock
) -> None:
    lease = timedelta(seconds=node.settings.delivery_lease_seconds)
    activity = await send_to_hosts(node, sender, sink)
    async with node.db.transaction() as session:  # a worker claims two rows, then dies
        crashed = await rows.claim_due(session, clock.now(), 2, lease)
    await worker(node, queue).run_until_idle()
    assert len(sink.received) == 3
    async with node.db.transaction() as session:
        assert await rows.next_due(session) == clock.now() + lease
    clock.advance(lease + timedelta(seconds=1))
    await worker(node, queue).run_until_idle()
    assert sorted(sink.per_url().values()) == [1] * 5
    assert {f"http://{got.host}{got.path}" for got in sink.received[3:]} == {
        row.inbox_url for row in crashed
    }
    assert await counts(node, activity["id"]) == rows.DeliveryCounts(delivered=5)


async def test_a_live_worker_renews_the_leases_of_rows_it_holds(
    node: Runtime, sender: LocalActor, sink: Sink, clock: FrozenClock
) -> None:
    lease = timedelta(seconds=node.settings.delivery_lease_seconds)
    queue = DeliveryQueue(node, concurrency=8, per_host=1, poll_seconds=0.05)
    for host in sink.hosts:
        sink.hang(host)
    try:
        await send_to_hosts(node, sender, sink)
        await queue.run_once(10)  # claims every row; their attempts hang
        assert queue.in_hand == len(sink.hosts)
        clock.advance(lease * 0.9)
        await queue.run_once(0)  # renews the leases of what it holds
        async with node.db.transaction() as session:
            later = clock.now() + lease * 0.5  # past the first lease, inside the renewed one
            assert await rows.claim_due(session, later, 10, lease) == []
    finally:
        await queue.aclose()
