"""The delivery queue's pace: at most `concurrency` attempts under way, as many rows again in
hand and ready, and each attempt that ends starts the next row at once, without waiting for a
cycle to record it and claim more. Real loopback sinks; the worker's cycles are driven by hand.
"""

from __future__ import annotations

import asyncio

from node.federation import sending
from node.federation.delivery_queue import DeliveryQueue
from node.federation.runtime import Runtime
from node.storage import deliveries as rows
from node.storage.actors import LocalActor
from tests.support.deliveries import all_rows, counts, note, remember, worker
from tests.support.sinks import Sink

WAIT_AT_MOST = 10.0


async def until_received(sink: Sink, count: int) -> None:
    """The sink has `count` requests (an event the test waits for, not a measured time)."""
    async with asyncio.timeout(WAIT_AT_MOST):
        while len(sink.received) < count:  # noqa: ASYNC110 (the sink has no event to await)
            await asyncio.sleep(0.01)


async def test_rows_ready_in_hand_start_as_attempts_end_without_a_cycle(
    node: Runtime, sender: LocalActor, sink: Sink
) -> None:
    iris = [f"http://{host}/users/u" for host in sink.hosts]
    for iri, host in zip(iris, sink.hosts, strict=True):
        await remember(node, iri, f"http://{host}/inbox")
        sink.hang(host)
    activity = note(node, to=iris)
    await sending.send(node, sender, activity)
    queue = DeliveryQueue(node, concurrency=2, per_host=1, poll_seconds=0.05)
    try:
        await queue.run_once(10)  # claims 2 x 2 rows of the 5, starts 2 of them
        await until_received(sink, 2)
        assert queue.in_hand == 4
        assert len(sink.received) == 2  # the other two wait for room

        sink.release.set()  # the hanging hosts answer; no cycle runs meanwhile
        await until_received(sink, 4)
        assert queue.in_hand == 4  # nothing recorded yet: the two that ended started two more

        await worker(node, queue).run_until_idle()
    finally:
        await queue.aclose()
    assert len(sink.received) == 5
    assert {row.state for row in await all_rows(node)} == {"delivered"}
    assert await counts(node, activity["id"]) == rows.DeliveryCounts(delivered=5)
