"""Sending: an activity fanned out into delivery rows (followers' shared inboxes once, addressed
actors, extra inboxes, never this node, never a blocked domain), then delivered to real uvicorn
sinks on loopback ports that verify every signature; the worker is driven by run_until_idle()
and the clock is frozen.
"""

from __future__ import annotations

from node.activitypub import audience
from node.activitypub.vocabulary import PUBLIC
from node.federation import sending
from node.federation.delivery_queue import DeliveryQueue
from node.federation.runtime import Runtime
from node.storage import deliveries as rows
from node.storage import hosts
from node.storage.actors import LocalActor
from tests.support.deliveries import FOLLOWERS, all_rows, counts, follow, note, remember, worker
from tests.support.sinks import Sink

# --- fan-out --------------------------------------------------------------------------


async def test_fifty_followers_on_five_hosts_get_five_signed_posts(
    node: Runtime, alpha: str, sender: LocalActor, sink: Sink, queue: DeliveryQueue
) -> None:
    for n in range(50):
        host = sink.hosts[n % 5]
        await follow(
            node,
            alpha,
            f"http://{host}/users/u{n}",
            f"http://{host}/users/u{n}/inbox",
            f"http://{host}/inbox",
        )
    woken: list[bool] = []
    node.wake_worker = lambda: woken.append(True)
    activity = note(node, to=[PUBLIC], cc=[FOLLOWERS], bcc=["http://secret.example/u"])

    assert await sending.send(node, sender, activity) == 5
    assert woken == [True]
    await worker(node, queue).run_until_idle()

    assert sorted(sink.per_url().items()) == sorted((sink.url(i), 1) for i in range(5))
    assert all(got.verified for got in sink.received)
    assert {got.body for got in sink.received} == {audience.serialise(activity).encode()}
    assert b"secret.example" not in sink.received[0].body
    assert await counts(node, activity["id"]) == rows.DeliveryCounts(delivered=5)
    assert queue.stats == {"delivered": 5}


async def test_addressed_actors_and_extra_inboxes_are_delivered_once_and_never_home(
    node: Runtime, alpha: str, sender: LocalActor, sink: Sink, queue: DeliveryQueue
) -> None:
    bob, carol = f"http://{sink.hosts[0]}/users/bob", f"http://{sink.hosts[1]}/users/carol"
    await remember(node, bob, f"{bob}/inbox", shared=sink.url(0))
    await remember(node, carol, f"{carol}/inbox")
    activity = note(
        node,
        to=[bob, "https://node.test/users/beta", "http://unknown.example/users/x"],
        bto=[carol],
    )
    extra = [f"{bob}/inbox", "https://node.test/inbox"]
    assert await sending.send(node, sender, activity, extra_inboxes=extra) == 2
    assert await sending.send(node, sender, activity, extra_inboxes=extra) == 0
    await worker(node, queue).run_until_idle()
    assert sink.per_url() == {f"{bob}/inbox": 1, f"{carol}/inbox": 1}
    assert all(b"bto" not in got.body for got in sink.received)


async def test_blocked_domains_get_nothing(
    node: Runtime, alpha: str, sender: LocalActor, sink: Sink, queue: DeliveryQueue
) -> None:
    port = sink.hosts[0].split(":")[1]
    await follow(
        node, alpha, f"http://localhost:{port}/u/1", f"http://localhost:{port}/inbox", None
    )
    await follow(node, alpha, f"http://{sink.hosts[1]}/u/2", sink.url(1), None)
    async with node.db.transaction() as session:
        await hosts.block(session, "localhost", "test", node.clock.now())
    first = note(node, to=[PUBLIC], cc=[FOLLOWERS])
    assert await sending.send(node, sender, first) == 1  # dropped when queued
    async with node.db.transaction() as session:  # queued before a block: dropped when due
        await rows.enqueue(session, "urn:x:1", sender.id, "{}", [sink.url(2)], node.clock.now())
        await hosts.block(session, "127.0.0.1", "test", node.clock.now())
    await worker(node, queue).run_until_idle()
    assert sink.received == []
    assert await counts(node) == rows.DeliveryCounts(failed=2)
    assert {row.last_error for row in await all_rows(node)} == {"domain blocked"}
