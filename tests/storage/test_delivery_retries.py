"""`deliveries retry-now`: pending rows due now, leases freed only on request; on SQLite and
PostgreSQL, and through the real command line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.storage import actors, deliveries, delivery_retries
from node.storage.deliveries import DELIVERED, FAILED, PENDING, Result
from node.storage.tables import DeliveryRow
from tests.support.processes import node_env, run_cli

ACTIVITY = "https://node.test/activities/1"
LEASE = timedelta(minutes=10)
INBOXES = [f"https://h{n}.example/inbox" for n in range(6)]


async def queue_rows(node: Runtime) -> list[deliveries.Claimed]:
    """Six rows, all attempted once: h0 delivered, h1 failed, h2-h5 pending for retry in
    1 minute, and h5's row leased again (a worker holds it)."""
    async with node.db.transaction() as session:
        actor = await actors.by_username(session, "alpha")
        await deliveries.enqueue(session, ACTIVITY, actor.id, "{}", INBOXES, node.clock.now())
    async with node.db.transaction() as session:
        rows = await deliveries.claim_due(session, node.clock.now(), 10, LEASE)
    later = node.clock.now() + timedelta(minutes=1)
    results = [Result(rows[0].id, DELIVERED, True, status=202)]
    results.append(Result(rows[1].id, FAILED, True, status=404))
    results += [Result(r.id, PENDING, True, next_attempt_at=later, status=503) for r in rows[2:]]
    async with node.db.transaction() as session:
        await deliveries.record(session, results, node.clock.now())
        await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == rows[5].id)
            .values(locked_until=node.clock.now() + LEASE)
        )
    return rows


async def claimable(node: Runtime) -> list[str]:
    async with node.db.transaction() as session:
        rows = await deliveries.claim_due(session, node.clock.now(), 10, LEASE)
    return [row.inbox_url for row in rows]


async def retry_now(node: Runtime, **options: object) -> int:
    async with node.db.transaction() as session:
        return await delivery_retries.retry_now(
            session,
            node.clock.now(),
            **options,  # type: ignore[arg-type]
        )


async def test_retry_now_makes_pending_rows_due_and_keeps_their_history(
    node: Runtime, alpha: str
) -> None:
    await queue_rows(node)
    assert await retry_now(node) == 3  # h2-h4: not the delivered, failed or leased ones
    async with node.db.transaction() as session:
        rows = await deliveries.claim_due(session, node.clock.now(), 10, LEASE)
    assert [row.inbox_url for row in rows] == INBOXES[2:5]
    assert {row.attempts for row in rows} == {1}
    assert await retry_now(node) == 0  # leased now


async def test_retry_now_for_one_host(node: Runtime, alpha: str) -> None:
    await queue_rows(node)
    assert await retry_now(node, host="H3.example") == 1
    assert await claimable(node) == [INBOXES[3]]


async def test_release_leases_after_a_crash(node: Runtime, alpha: str, clock: FrozenClock) -> None:
    await queue_rows(node)
    clock.advance(timedelta(minutes=2))  # h2-h4 are due by now; h5 is still leased
    assert await retry_now(node) == 0
    assert await retry_now(node, release_leases=True) == 1
    assert await claimable(node) == INBOXES[2:]


def test_command_line(tmp_path: Path) -> None:
    data, env = tmp_path / "data", node_env()
    run_cli(data, env, "init", "--base-url", "https://node.example")
    assert run_cli(data, env, "deliveries", "retry-now").strip() == (
        "0 pending deliveries are due now."
    )
    out = run_cli(data, env, "deliveries", "retry-now", "--host", "a.example", "--release-leases")
    assert out.strip() == "0 pending deliveries are due now."
