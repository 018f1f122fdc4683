"""The per-actor inbox quota, on SQLite and PostgreSQL: one remote actor may have at most
`inbox_actor_quota` items waiting; beyond it its requests are refused (Overloaded: 503 with
Retry-After) and nothing of it is stored, while other actors' items still are. Waiting items
of other processes count from the next read (at most one per second)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from node.clock import FrozenClock
from node.config import Settings
from node.errors import Overloaded
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.storage import inbox_items
from node.storage.inbox_items import COUNT_EVERY, NewItem
from tests.support.actors import RemoteHost, create_note, hosted, post_signed
from tests.support.router import HostRouter

QUOTA = 4
SHARED = "https://node.test/inbox"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, inbox_actor_quota=QUOTA)


def item(node: Runtime, actor: str, key: str) -> NewItem:
    iri = f"{actor}/activities/{key}"
    document = {"id": iri, "type": "Create", "actor": actor}
    return NewItem(iri, actor, "Create", None, document, node.clock.now())


async def pending(node: Runtime) -> int:
    async with node.db.transaction() as session:
        return await inbox_items.count_pending(session)


async def test_an_actor_over_its_quota_is_refused_and_others_are_not(node: Runtime) -> None:
    bob, eve = "https://a.test/users/bob", "https://b.test/users/eve"
    stored = await asyncio.gather(
        *(node.inbox_writer.store(item(node, bob, f"{n}")) for n in range(QUOTA))
    )
    assert stored == [True] * QUOTA
    with pytest.raises(Overloaded, match="activities waiting") as refused:
        await node.inbox_writer.store(item(node, bob, "over"))
    assert refused.value.retry_after > 0
    assert await node.inbox_writer.store(item(node, eve, "fine"))
    assert await pending(node) == QUOTA + 1


async def test_waiting_items_stored_elsewhere_count_from_the_next_read(
    node: Runtime, clock: FrozenClock
) -> None:
    bob = "https://a.test/users/bob"
    assert await node.inbox_writer.store(item(node, bob, "first"))  # the count is read here
    async with node.db.engine.begin() as conn:  # another process stores the rest
        others = [item(node, bob, f"elsewhere-{n}") for n in range(QUOTA)]
        await inbox_items.store_batch(conn, others)
    assert await node.inbox_writer.store(item(node, bob, "before-the-read"))
    clock.advance(COUNT_EVERY + timedelta(milliseconds=1))
    with pytest.raises(Overloaded):
        await node.inbox_writer.store(item(node, bob, "after-the-read"))


async def test_the_inbox_answers_503_over_the_quota_and_takes_more_once_processed(
    node: Runtime, client: httpx.AsyncClient, router: HostRouter, clock: FrozenClock
) -> None:
    remote: RemoteHost = hosted(router, "remote.test")
    bob = remote.actor("bob")
    statuses = []
    for n in range(QUOTA + 2):
        note = create_note(bob, f"q{n}")
        statuses.append((await post_signed(client, bob, SHARED, note, clock.now())).status_code)
    assert statuses == [202] * QUOTA + [503, 503]
    await build_worker(node).run_until_idle()
    clock.advance(COUNT_EVERY)
    note = create_note(bob, "later")
    assert (await post_signed(client, bob, SHARED, note, clock.now())).status_code == 202
