"""A peer that answers 503 (or 429) with a short Retry-After, as a node does while its inbox or
its key-fetch budget is busy, gets the delivery again after the seconds it asked for, for the
first failures; later failures keep the backoff. Real sinks on loopback, a frozen clock."""

from __future__ import annotations

from datetime import timedelta

from node.activitypub.delivery import SHORT_RETRIES
from node.clock import FrozenClock
from node.federation.delivery_queue import DeliveryQueue
from node.federation.runtime import Runtime
from node.storage.actors import LocalActor
from tests.federation.test_delivery_queue import send_to_hosts
from tests.support.deliveries import all_rows, worker
from tests.support.sinks import Sink


async def test_a_busy_peer_gets_the_delivery_after_the_seconds_it_asked(
    node: Runtime, sender: LocalActor, sink: Sink, queue: DeliveryQueue, clock: FrozenClock
) -> None:
    busy = sink.hosts[0]
    sink.hosts[:] = [busy]
    sink.answer(busy, 503, retry_after="5")
    await send_to_hosts(node, sender, sink)
    for attempt in range(1, SHORT_RETRIES + 1):
        await worker(node, queue).run_until_idle()
        (row,) = await all_rows(node)
        assert (row.state, row.attempts, row.last_status) == ("pending", attempt, 503)
        assert row.next_attempt_at == clock.now() + timedelta(seconds=5)
        clock.advance(timedelta(seconds=5))
    await worker(node, queue).run_until_idle()
    (row,) = await all_rows(node)
    # past the first failures, the backoff again
    assert row.attempts == SHORT_RETRIES + 1
    assert row.next_attempt_at >= clock.now() + timedelta(minutes=2**SHORT_RETRIES)
    sink.answer(busy, 202)
    clock.advance(row.next_attempt_at - clock.now())
    await worker(node, queue).run_until_idle()
    (row,) = await all_rows(node)
    assert (row.state, row.attempts) == ("delivered", SHORT_RETRIES + 2)
