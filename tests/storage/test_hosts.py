"""Host health from our deliveries' results, and domain blocks, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.clock import FrozenClock
from node.errors import InvalidInput
from node.federation.runtime import Runtime
from node.storage import hosts
from node.storage.hosts import FAILURE_DAYS_LIMIT, PROBE_INTERVAL

HOST = "down.example"


async def fail(node: Runtime, host: str = HOST) -> hosts.HostHealth:
    async with node.db.transaction() as session:
        return await hosts.record_failure(session, host, node.clock.now())


async def test_each_utc_day_with_failures_counts_once(node: Runtime, clock: FrozenClock) -> None:
    for _ in range(5):
        health = await fail(node)
        clock.advance(timedelta(minutes=30))
    assert (health.failure_days, health.available) == (1, True)
    assert health.last_failure_day == "2026-11-21"
    clock.advance(timedelta(hours=10))  # past midnight UTC
    assert (await fail(node)).failure_days == 2


async def test_failures_on_seven_distinct_days_make_a_host_unavailable(
    node: Runtime, clock: FrozenClock
) -> None:
    for day in range(1, FAILURE_DAYS_LIMIT):
        health = await fail(node)
        assert (health.failure_days, health.available) == (day, True)
        clock.advance(timedelta(days=2 if day == 3 else 1))  # the days need not be consecutive
    health = await fail(node)
    assert health.failure_days == FAILURE_DAYS_LIMIT and not health.available
    assert health.unavailable_since == clock.now()
    assert health.next_probe_at == clock.now() + PROBE_INTERVAL
    async with node.db.transaction() as session:
        down = await hosts.unavailable_among(session, {HOST, "fine.example"})
    assert list(down) == [HOST]


async def test_one_probe_per_interval_and_a_success_clears_everything(
    node: Runtime, clock: FrozenClock
) -> None:
    for _ in range(FAILURE_DAYS_LIMIT):
        await fail(node)
        clock.advance(timedelta(days=1))
    await fail(node)  # the eighth day: still unavailable, the probe time is kept
    async with node.db.transaction() as session:
        assert await hosts.take_probe(session, HOST, clock.now())
        assert not await hosts.take_probe(session, HOST, clock.now())
        assert not await hosts.take_probe(session, "fine.example", clock.now())
    clock.advance(PROBE_INTERVAL)
    async with node.db.transaction() as session:
        assert await hosts.take_probe(session, HOST, clock.now())
        back = await hosts.record_successes(session, {HOST, "never-failed.example"}, clock.now())
        assert back == {HOST}
        health = await hosts.health(session, HOST)
        assert await hosts.health(session, "never-failed.example") is None
    assert health is not None and health.available
    assert (health.failure_days, health.last_failure_day, health.next_probe_at) == (0, None, None)
    assert health.last_success_at == clock.now()
    assert (await fail(node)).failure_days == 1


async def test_a_success_between_failures_restarts_the_count(
    node: Runtime, clock: FrozenClock
) -> None:
    for _ in range(FAILURE_DAYS_LIMIT - 1):
        await fail(node)
        clock.advance(timedelta(days=1))
    async with node.db.transaction() as session:
        assert await hosts.record_successes(session, {HOST}, clock.now()) == set()
    clock.advance(timedelta(days=1))
    assert (await fail(node)).available


async def test_a_domain_block_covers_its_subdomains_only(node: Runtime) -> None:
    async with node.db.transaction() as session:
        await hosts.block(session, "Example.COM.", "spam", node.clock.now())
        assert await hosts.is_blocked(session, "example.com")
        assert await hosts.is_blocked(session, "sub.example.com")
        assert await hosts.is_blocked(session, "a.b.example.com:8443")
        assert not await hosts.is_blocked(session, "notexample.com")
        assert not await hosts.is_blocked(session, "example.org")
        found = await hosts.blocked_among(session, {"x.example.com", "ok.test", "example.com"})
    assert found == {"x.example.com", "example.com"}


async def test_blocks_are_listed_kept_once_and_lifted(node: Runtime, clock: FrozenClock) -> None:
    async with node.db.transaction() as session:
        first = await hosts.block(session, "b.example", "first reason", clock.now())
        await hosts.block(session, "a.example", "", clock.now())
        again = await hosts.block(session, "b.example", "second reason", clock.now())
        assert again == first
        assert [b.domain for b in await hosts.list_blocks(session)] == ["a.example", "b.example"]
        await hosts.block(session, "127.0.0.1", "loopback", clock.now())
        assert await hosts.is_blocked(session, "127.0.0.1:8080")
        assert await hosts.unblock(session, "B.example")
        assert not await hosts.unblock(session, "b.example")
        assert not await hosts.is_blocked(session, "sub.b.example")


@pytest.mark.parametrize("bad", ["", "https://x.example/path", "a b", "user@x.example"])
async def test_a_block_needs_a_domain(node: Runtime, bad: str) -> None:
    async with node.db.transaction() as session:
        with pytest.raises(InvalidInput):
            await hosts.block(session, bad, "", node.clock.now())
