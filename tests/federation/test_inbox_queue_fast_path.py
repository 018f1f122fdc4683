"""The inbox's fast path, with really signed requests: a 202 only after the item committed,
repeats in one batch stored once, domain blocks from memory within their refresh bound, and no
database transaction per request other than the batched insert."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import event

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.solidarity import moderation
from node.storage import hosts, inbox_items
from node.storage.caches import BLOCKS_REFRESH
from node.storage.db import Database
from tests.support.actors import FakeActor, RemoteHost, create_note, post_signed
from tests.support.dblocks import until, writes_held

SHARED = "https://node.test/inbox"


async def warm_up(client: httpx.AsyncClient, actor: FakeActor, node: Runtime) -> None:
    """One accepted POST: the actor's key is cached and the blocks read (no write but the item)."""
    response = await post_signed(
        client, actor, SHARED, create_note(actor, "warm"), node.clock.now()
    )
    assert response.status_code == 202, response.text


async def stored(node: Runtime) -> int:
    async with node.db.transaction() as session:
        return sum((await inbox_items.count_by_state(session)).values())


async def test_the_202_comes_only_after_the_item_committed(
    client: httpx.AsyncClient, node: Runtime, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    now = node.clock.now()
    await warm_up(client, bob, node)
    async with writes_held(node.settings.database_url):
        post = asyncio.create_task(post_signed(client, bob, SHARED, create_note(bob, "held"), now))
        await until(lambda: node.inbox_writer.writing, "the batch to be written")
        await asyncio.sleep(0.2)  # the batch waits on the lock; the request must wait too
        assert not post.done()
    response = await post
    assert response.status_code == 202, response.text
    assert await stored(node) == 2


async def test_a_repeat_in_the_same_batch_is_stored_once(
    client: httpx.AsyncClient, node: Runtime, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    now = node.clock.now()
    await warm_up(client, bob, node)
    async with writes_held(node.settings.database_url):
        first = asyncio.create_task(post_signed(client, bob, SHARED, create_note(bob, "a"), now))
        await until(lambda: node.inbox_writer.writing, "the first batch to be written")
        twice = [
            asyncio.create_task(post_signed(client, bob, SHARED, create_note(bob, "b"), now))
            for _ in range(2)
        ]
        await until(lambda: node.inbox_writer.queued == 2, "both repeats to queue")
    responses = [await first, *[await task for task in twice]]
    assert [r.status_code for r in responses] == [202, 202, 202]
    assert node.inbox_writer.batches == 3  # the warm-up, the first, both repeats
    assert await stored(node) == 3


async def test_a_block_made_by_another_process_applies_within_the_refresh_bound(
    client: httpx.AsyncClient, node: Runtime, clock: FrozenClock, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    first = await post_signed(client, bob, SHARED, create_note(bob, "1"), clock.now())
    assert first.status_code == 202, first.text
    other = Database(node.settings.database_url)  # as the CLI does, in its own process
    try:
        async with other.transaction() as session:
            await hosts.block(session, "remote.test", "spam", clock.now())
    finally:
        await other.close()
    clock.advance(BLOCKS_REFRESH)
    refused = await post_signed(client, bob, SHARED, create_note(bob, "2"), clock.now())
    assert refused.status_code == 403
    assert "remote.test is blocked" in refused.json()["error"]
    assert await stored(node) == 1


async def test_a_block_made_in_this_process_applies_at_once(
    client: httpx.AsyncClient, node: Runtime, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    now = node.clock.now()
    assert (await post_signed(client, bob, SHARED, create_note(bob, "1"), now)).status_code == 202
    await moderation.block_domain(node, "remote.test", "spam")
    assert (await post_signed(client, bob, SHARED, create_note(bob, "2"), now)).status_code == 403
    await moderation.unblock_domain(node, "remote.test")
    assert (await post_signed(client, bob, SHARED, create_note(bob, "3"), now)).status_code == 202


async def test_only_the_batched_insert_touches_the_database_per_request(
    client: httpx.AsyncClient, node: Runtime, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    now = node.clock.now()
    await warm_up(client, bob, node)  # the key, the blocks and the backlog count are read
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    event.listen(node.db.engine.sync_engine, "begin", count)
    try:
        batches = node.inbox_writer.batches
        for key in range(3):
            response = await post_signed(client, bob, SHARED, create_note(bob, f"n{key}"), now)
            assert response.status_code == 202, response.text
    finally:
        event.remove(node.db.engine.sync_engine, "begin", count)
    assert node.inbox_writer.batches - batches == 3
    assert len(begun) == 3
