"""Group commit of inbox items on SQLite and PostgreSQL: items queued together share one
transaction, repeats are stored once and reported as not new, one bad item fails alone, and
nobody hears back before the batch holding their item committed."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from node.errors import StorageError
from node.federation.runtime import Runtime
from node.storage import inbox_items
from node.storage.inbox_items import NewItem
from node.storage.tables import InboxItemRow
from tests.support.dblocks import until, writes_held


def item(node: Runtime, key: str, **changes: Any) -> NewItem:
    fields: dict[str, Any] = {
        "activity_iri": f"https://remote.test/activities/{key}",
        "actor_iri": "https://remote.test/users/bob",
        "type": "Create",
        "recipient": None,
        "document": {"id": f"https://remote.test/activities/{key}", "type": "Create"},
        "received_at": node.clock.now(),
    }
    return NewItem(**(fields | changes))


async def stored(node: Runtime) -> int:
    async with node.db.transaction() as session:
        return sum((await inbox_items.count_by_state(session)).values())


async def test_items_queued_together_share_one_batch_and_a_repeat_is_stored_once(
    node: Runtime,
) -> None:
    writer = node.inbox_writer
    a, b = item(node, "a"), item(node, "b")
    results = await asyncio.gather(writer.store(a), writer.store(b), writer.store(a))
    assert results == [True, True, False]
    assert writer.batches == 1
    assert await stored(node) == 2
    assert await writer.store(a) is False  # a repeat in a later batch is not new either
    assert await stored(node) == 2


async def test_relayed_by_is_stored(node: Runtime) -> None:
    relay = "https://relay.test/actor"
    assert await node.inbox_writer.store(item(node, "r", relayed_by=relay))
    async with node.db.transaction() as session:
        found = list(await session.scalars(select(InboxItemRow.relayed_by)))
    assert found == [relay]


async def test_one_unstorable_item_fails_alone(node: Runtime) -> None:
    writer = node.inbox_writer
    bad = item(node, "bad", document={"not json": {1, 2}})
    results = await asyncio.gather(
        writer.store(item(node, "a")),
        writer.store(bad),
        writer.store(item(node, "b")),
        return_exceptions=True,
    )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], StorageError)
    assert await stored(node) == 2


async def test_store_returns_only_after_its_batch_committed(node: Runtime) -> None:
    writer = node.inbox_writer
    async with writes_held(node.settings.database_url):
        first = asyncio.create_task(writer.store(item(node, "first")))
        await until(lambda: writer.writing, "the first batch to be written")
        second = asyncio.create_task(writer.store(item(node, "second")))
        await asyncio.sleep(0.2)  # the batch waits on the lock; nobody may hear back meanwhile
        assert not first.done() and not second.done()
    assert await first is True
    assert await second is True
    assert writer.batches == 2  # the second item queued behind the first batch
    assert await stored(node) == 2


async def test_the_worker_can_wait_until_no_request_waits_for_a_batch(node: Runtime) -> None:
    writer = node.inbox_writer
    await asyncio.wait_for(writer.until_idle(60), timeout=1)  # idle: returns at once
    async with writes_held(node.settings.database_url):
        storing = asyncio.create_task(writer.store(item(node, "held")))
        await until(lambda: writer.writing, "the batch to be written")
        waiting = asyncio.create_task(writer.until_idle(60))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        await writer.until_idle(0.01)  # gives up after its bound
    await storing
    await asyncio.wait_for(waiting, timeout=5)
