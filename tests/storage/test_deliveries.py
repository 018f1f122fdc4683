"""Delivery rows on SQLite and PostgreSQL: enqueue once, lease, record, count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.storage import actors, deliveries
from node.storage.db import Database
from node.storage.deliveries import DELIVERED, FAILED, PENDING, DeliveryCounts, Result

ACTIVITY = "https://node.test/activities/1"
LEASE = timedelta(minutes=10)
INBOXES = [f"https://h{n}.example/inbox" for n in range(5)]


async def alpha_id(node: Runtime, alpha: str) -> int:
    async with node.db.transaction() as session:
        return (await actors.by_username(session, "alpha")).id


async def enqueue(node: Runtime, actor_id: int, inboxes: list[str], iri: str = ACTIVITY) -> int:
    async with node.db.transaction() as session:
        return await deliveries.enqueue(session, iri, actor_id, "{}", inboxes, node.clock.now())


async def claim(node: Runtime, limit: int = 100, **options: object) -> list[deliveries.Claimed]:
    async with node.db.transaction() as session:
        return await deliveries.claim_due(
            session,
            node.clock.now(),
            limit,
            LEASE,
            **options,  # type: ignore[arg-type]
        )


async def counts(node: Runtime, iri: str | None = ACTIVITY) -> DeliveryCounts:
    async with node.db.transaction() as session:
        return await deliveries.counts(session, iri)


async def test_enqueue_stores_one_row_per_inbox_and_ignores_repeats(
    node: Runtime, alpha: str
) -> None:
    actor_id = await alpha_id(node, alpha)
    assert await enqueue(node, actor_id, [*INBOXES, INBOXES[0]]) == 5
    assert await enqueue(node, actor_id, [INBOXES[1], "https://new.example/inbox"]) == 1
    assert await enqueue(node, actor_id, INBOXES, iri=ACTIVITY + "b") == 5
    assert await counts(node) == DeliveryCounts(pending=6)
    assert (await counts(node, None)).total == 11


def test_rows_take_hosts_in_turn() -> None:
    inboxes = ["https://a.example/1", "https://a.example/2", "https://a.example/3"]
    inboxes += ["https://b.example/1", "https://c.example/1", "https://b.example/2"]
    assert deliveries.interleave_hosts([*inboxes, inboxes[0]]) == [
        "https://a.example/1",
        "https://b.example/1",
        "https://c.example/1",
        "https://a.example/2",
        "https://b.example/2",
        "https://a.example/3",
    ]


async def test_enqueue_handles_large_fan_outs_in_chunks(node: Runtime, alpha: str) -> None:
    actor_id = await alpha_id(node, alpha)
    many = [f"https://h{n}.example/users/u{n}/inbox" for n in range(1234)]
    assert await enqueue(node, actor_id, many) == 1234
    assert await enqueue(node, actor_id, many) == 0


async def test_claim_leases_due_rows_once_until_the_lease_ends(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    actor_id = await alpha_id(node, alpha)
    await enqueue(node, actor_id, INBOXES)
    first = await claim(node, limit=3)
    assert [row.inbox_url for row in first] == INBOXES[:3]
    assert {row.host for row in first} == {"h0.example", "h1.example", "h2.example"}
    assert (first[0].attempts, first[0].body, first[0].actor_id) == (0, "{}", actor_id)
    assert [row.inbox_url for row in await claim(node)] == INBOXES[3:]
    assert await claim(node) == []
    clock.advance(LEASE - timedelta(seconds=1))
    assert await claim(node) == []
    clock.advance(timedelta(seconds=2))
    assert len(await claim(node)) == 5  # nobody recorded anything: all leases ran out


async def test_claim_skips_excluded_hosts(node: Runtime, alpha: str) -> None:
    await enqueue(node, await alpha_id(node, alpha), INBOXES)
    rows = await claim(node, exclude_hosts={"h0.example", "h3.example"})
    assert [row.host for row in rows] == ["h1.example", "h2.example", "h4.example"]


async def test_claim_takes_the_earliest_due_first_and_nothing_early(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    actor_id = await alpha_id(node, alpha)
    await enqueue(node, actor_id, INBOXES[:2])
    rows = await claim(node)
    later, sooner = clock.now() + timedelta(minutes=5), clock.now() + timedelta(minutes=2)
    async with node.db.transaction() as session:
        await deliveries.record(
            session,
            [
                Result(rows[0].id, PENDING, attempted=True, next_attempt_at=later, status=500),
                Result(rows[1].id, PENDING, attempted=True, next_attempt_at=sooner, status=503),
            ],
            clock.now(),
        )
        assert await deliveries.next_due(session, clock.now()) == sooner
    assert await claim(node) == []
    clock.advance(timedelta(minutes=10))
    sooner_first = await claim(node, limit=1)
    assert [(row.inbox_url, row.attempts) for row in sooner_first] == [(INBOXES[1], 1)]
    assert [row.inbox_url for row in await claim(node)] == [INBOXES[0]]


async def test_record_finishes_rows_and_never_reopens_them(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    await enqueue(node, await alpha_id(node, alpha), INBOXES[:3])
    a, b, c = await claim(node)
    now = clock.now()
    async with node.db.transaction() as session:
        await deliveries.record(
            session,
            [
                Result(a.id, DELIVERED, attempted=True, status=202),
                Result(b.id, FAILED, attempted=True, status=410, error="HTTP 410"),
                Result(c.id, FAILED, attempted=False, error="domain blocked"),
            ],
            now,
        )
        # a late writer (say, a worker whose lease ran out) cannot undo a final state
        await deliveries.record(
            session,
            [Result(a.id, PENDING, attempted=True, next_attempt_at=now, error="x")],
            now,
        )
        assert await deliveries.next_due(session, now) is None
    assert await counts(node) == DeliveryCounts(delivered=1, failed=2)
    assert await claim(node) == []


async def test_next_due_leaves_out_rows_held_until_their_lease_runs_out(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    await enqueue(node, await alpha_id(node, alpha), INBOXES[:1])
    made = clock.now()
    async with node.db.transaction() as session:
        assert await deliveries.next_due(session, made) == made
    await claim(node)
    async with node.db.transaction() as session:
        assert await deliveries.next_due(session, made) is None
    clock.advance(LEASE + timedelta(seconds=1))
    async with node.db.transaction() as session:
        assert await deliveries.next_due(session, clock.now()) == made


async def test_bring_forward_makes_a_hosts_waiting_rows_due(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    await enqueue(node, await alpha_id(node, alpha), INBOXES[:2])
    rows = await claim(node)
    later = clock.now() + timedelta(hours=5)
    async with node.db.transaction() as session:
        await deliveries.record(
            session,
            [Result(row.id, PENDING, attempted=False, next_attempt_at=later) for row in rows],
            clock.now(),
        )
        assert await deliveries.bring_forward(session, "h1.example", clock.now()) == 1
    assert [row.host for row in await claim(node)] == ["h1.example"]


async def test_senders_are_the_local_actors_by_id(node: Runtime, alpha: str) -> None:
    actor_id = await alpha_id(node, alpha)
    async with node.db.transaction() as session:
        found = await deliveries.senders(session, {actor_id, 999})
    assert list(found) == [actor_id] and found[actor_id].username == "alpha"


async def test_open_claims_on_postgresql_skip_each_others_rows(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    """Two transactions claim at the same time; neither waits and no row is taken twice."""
    if node.db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: a second claim waits for the first")
    await enqueue(node, await alpha_id(node, alpha), INBOXES)
    other = Database(node.settings.database_url)
    try:
        async with node.db.transaction() as first, other.transaction() as second:
            mine = await deliveries.claim_due(first, clock.now(), 3, LEASE)
            theirs = await deliveries.claim_due(second, clock.now(), 5, LEASE)
    finally:
        await other.close()
    assert len(mine) == 3 and len(theirs) == 2
    assert not {row.id for row in mine} & {row.id for row in theirs}
