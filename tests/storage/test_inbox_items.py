"""Inbox items on SQLite and PostgreSQL: stored once per activity id, claimed with a lease that
only its holder renews, finished, retried with backoff until they fail for good, or rejected;
and the Backlog that bounds how many may wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from node.clock import FrozenClock
from node.errors import Overloaded
from node.federation.runtime import Runtime
from node.storage import inbox_items
from node.storage.inbox_items import DONE, FAILED, MAX_ATTEMPTS, REJECTED, Backlog
from node.storage.tables import InboxItemRow

LEASE = timedelta(minutes=2)


async def store(node: Runtime, key: str) -> bool:
    async with node.db.transaction() as session:
        return await inbox_items.store(
            session,
            activity_iri=f"https://remote.test/activities/{key}",
            actor_iri="https://remote.test/users/bob",
            type="Create",
            recipient="alpha",
            document={"id": f"https://remote.test/activities/{key}", "type": "Create"},
            now=node.clock.now(),
        )


async def claim(node: Runtime, limit: int = 10) -> list[inbox_items.InboxItem]:
    async with node.db.transaction() as session:
        return await inbox_items.claim(session, node.clock.now(), limit, LEASE)


async def row(node: Runtime, item_id: int) -> InboxItemRow:
    async with node.db.transaction() as session:
        return await session.get_one(InboxItemRow, item_id, populate_existing=True)


async def test_an_item_is_stored_once_and_claimed_by_one_worker(
    node: Runtime, clock: FrozenClock
) -> None:
    assert await store(node, "a") and not await store(node, "a")
    assert await store(node, "b")
    first = await claim(node, limit=1)
    assert [(i.activity_iri, i.recipient, i.attempts) for i in first] == [
        ("https://remote.test/activities/a", "alpha", 0)
    ]
    second = await claim(node)
    assert [i.activity_iri for i in second] == ["https://remote.test/activities/b"]
    assert await claim(node) == []
    clock.advance(LEASE + timedelta(seconds=1))  # both leases ran out: a crashed worker's rows
    assert len(await claim(node)) == 2


async def test_only_a_live_lease_is_renewed(node: Runtime, clock: FrozenClock) -> None:
    await store(node, "a")
    (item,) = await claim(node)
    clock.advance(LEASE / 2)
    async with node.db.transaction() as session:
        await inbox_items.renew(session, {item.id}, clock.now(), LEASE)
    assert (await row(node, item.id)).locked_until == clock.now() + LEASE
    clock.advance(LEASE * 2)  # expired: another worker may hold it now
    async with node.db.transaction() as session:
        await inbox_items.renew(session, {item.id}, clock.now(), LEASE)
    assert (await row(node, item.id)).locked_until == clock.now() - LEASE


async def test_finished_items_are_done(node: Runtime, clock: FrozenClock) -> None:
    for key in ("a", "b"):
        await store(node, key)
    items = await claim(node)
    async with node.db.transaction() as session:
        await inbox_items.finish(session, [i.id for i in items], clock.now())
        assert await inbox_items.count_by_state(session) == {DONE: 2}
        assert await inbox_items.count_pending(session) == 0
        assert await inbox_items.next_due(session) is None
    done = await row(node, items[0].id)
    assert (done.attempts, done.done_at, done.locked_until) == (1, clock.now(), None)


async def test_retries_back_off_and_then_fail_for_good(node: Runtime, clock: FrozenClock) -> None:
    await store(node, "a")
    (item,) = await claim(node)
    async with node.db.transaction() as session:
        await inbox_items.retry(session, item.id, clock.now(), "FetchTimeout: slow")
        assert await inbox_items.next_due(session) == clock.now() + timedelta(seconds=60)
    retried = await row(node, item.id)
    assert (retried.attempts, retried.last_error, retried.locked_until) == (
        1,
        "FetchTimeout: slow",
        None,
    )
    assert await claim(node) == []  # not due yet
    for _ in range(MAX_ATTEMPTS - 1):
        async with node.db.transaction() as session:
            await inbox_items.retry(session, item.id, clock.now(), "x" * 3000)
    failed = await row(node, item.id)
    assert (failed.state, failed.attempts, len(failed.last_error or "")) == (
        FAILED,
        MAX_ATTEMPTS,
        2000,
    )


async def test_a_rejected_item_is_kept_with_its_reason(node: Runtime, clock: FrozenClock) -> None:
    await store(node, "a")
    (item,) = await claim(node)
    async with node.db.transaction() as session:
        await inbox_items.reject(session, item.id, clock.now(), "origin mismatch")
        assert await inbox_items.count_by_state(session) == {REJECTED: 1}
    rejected = await row(node, item.id)
    assert (rejected.last_error, rejected.done_at, rejected.attempts) == (
        "origin mismatch",
        clock.now(),
        1,
    )


async def test_the_backlog_counts_at_most_once_a_second(node: Runtime, clock: FrozenClock) -> None:
    backlog = Backlog(2, clock)
    transactions: list[Any] = []

    def transaction() -> Any:
        transactions.append(True)
        return node.db.transaction()

    await backlog.admit(transaction)
    await store(node, "a")
    await store(node, "b")
    backlog.stored()
    await backlog.admit(transaction)  # counted 0 a moment ago, 1 stored since
    backlog.stored()
    with pytest.raises(Overloaded, match=r"2 activities wait to be processed \(limit 2\)") as err:
        await backlog.admit(transaction)
    assert err.value.retry_after == inbox_items.RETRY_AFTER_SECONDS
    assert len(transactions) == 1
    clock.advance(inbox_items.COUNT_EVERY)
    with pytest.raises(Overloaded):
        await backlog.admit(transaction)  # counted again: 2 pending in the database
    assert len(transactions) == 2
