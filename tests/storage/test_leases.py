"""Claiming due rows with a lease, on SQLite and PostgreSQL (through the inbox items table):
only pending rows whose time has come and whose lease is free or expired, earliest first, up
to a limit; and when the next one is due."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Table, insert

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.storage import leases
from node.storage.tables import InboxItemRow

TABLE: Table = InboxItemRow.__table__  # type: ignore[assignment]
LEASE = timedelta(minutes=1)


async def add(node: Runtime, key: str, due_in: timedelta, **columns: Any) -> None:
    now = node.clock.now()
    values = {
        "activity_iri": f"https://remote.test/a/{key}",
        "actor_iri": "https://remote.test/users/bob",
        "type": "Like",
        "document": {},
        "state": leases.PENDING,
        "attempts": 0,
        "next_attempt_at": now + due_in,
        "received_at": now,
    } | columns
    async with node.db.transaction() as session:
        await session.execute(insert(TABLE).values(values))


async def claim(node: Runtime, limit: int = 10) -> list[str]:
    async with node.db.transaction() as session:
        rows = await leases.claim_due(
            session, TABLE, node.clock.now(), limit, LEASE, [TABLE.c.activity_iri]
        )
    return [row.activity_iri.rsplit("/", 1)[-1] for row in rows]


async def test_due_rows_are_leased_earliest_first_up_to_the_limit(
    node: Runtime, clock: FrozenClock
) -> None:
    await add(node, "later", timedelta(seconds=-1))
    await add(node, "earliest", timedelta(minutes=-5))
    await add(node, "future", timedelta(minutes=5))
    await add(node, "done", timedelta(minutes=-9), state="done")
    await add(node, "held", timedelta(minutes=-9), locked_until=clock.now() + timedelta(seconds=30))
    await add(
        node, "expired", timedelta(minutes=-1), locked_until=clock.now() - timedelta(seconds=1)
    )

    assert sorted(await claim(node, limit=2)) == ["earliest", "expired"]
    assert await claim(node) == ["later"]
    assert await claim(node) == []
    async with node.db.transaction() as session:
        assert await leases.next_due(session, InboxItemRow) == clock.now() - timedelta(minutes=9)
    clock.advance(timedelta(minutes=6))  # the leases ran out and the future row is due
    assert sorted(await claim(node)) == ["earliest", "expired", "future", "held", "later"]


async def test_nothing_pending_is_due_never(node: Runtime) -> None:
    await add(node, "done", timedelta(0), state="done")
    async with node.db.transaction() as session:
        assert await leases.next_due(session, InboxItemRow) is None
    assert await claim(node) == []
