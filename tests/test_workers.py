"""The loop over due rows, with the queues handed in: a cycle runs every queue (one that fails
is logged and the others still run), run_until_idle() stops at the first quiet cycle (or gives
up), the wait is the time until the earliest due row (bounded), and notify() ends it early."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from node.clock import FrozenClock
from node.workers import IDLE_POLL_SECONDS, Worker

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class Rows:
    """A queue of `pending` rows, worked off `per_cycle` at a time; `due` is its next_due()."""

    def __init__(self, name: str, pending: int = 0, per_cycle: int = 1) -> None:
        self.name = name
        self.pending = pending
        self.per_cycle = per_cycle
        self.due: datetime | None = None
        self.limits: list[int] = []

    async def run_once(self, limit: int) -> int:
        self.limits.append(limit)
        done = min(self.pending, self.per_cycle, limit)
        self.pending -= done
        return done

    async def next_due(self) -> datetime | None:
        return self.due


class Broken(Rows):
    async def run_once(self, limit: int) -> int:
        raise RuntimeError("the database went away")


async def test_a_cycle_runs_every_queue_and_survives_a_broken_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, deliveries = Rows("inbox", 3), Rows("deliveries", 5, per_cycle=4)
    worker = Worker([Broken("broken"), inbox, deliveries], FrozenClock(NOW))
    with caplog.at_level(logging.ERROR, logger="node.workers"):
        assert await worker.run_once() == 5
    assert "queue broken failed a cycle" in caplog.text
    assert inbox.limits == deliveries.limits == [50]


async def test_run_until_idle_stops_at_the_first_quiet_cycle_or_gives_up() -> None:
    rows = Rows("inbox", 7, per_cycle=2)
    assert await Worker([rows], FrozenClock(NOW)).run_until_idle() == 7
    assert len(rows.limits) == 5  # 2 + 2 + 2 + 1, then a quiet cycle
    endless = Rows("endless", 10**6)
    with pytest.raises(RuntimeError, match="still busy after 3 cycles"):
        await Worker([endless], FrozenClock(NOW)).run_until_idle(max_cycles=3)


async def test_the_wait_is_until_the_earliest_due_row_and_bounded() -> None:
    first, second = Rows("a"), Rows("b")
    worker = Worker([first, second], FrozenClock(NOW))
    assert await worker.seconds_until_due() == IDLE_POLL_SECONDS  # nothing pending
    first.due, second.due = NOW + timedelta(milliseconds=300), NOW + timedelta(minutes=5)
    assert await worker.seconds_until_due() == pytest.approx(0.3)
    second.due = NOW - timedelta(minutes=1)
    assert await worker.seconds_until_due() == 0.0
    first.due = second.due = NOW + timedelta(hours=1)
    assert await worker.seconds_until_due() == IDLE_POLL_SECONDS


async def test_notify_ends_the_wait_at_once() -> None:
    rows = Rows("inbox")
    rows.due = NOW + timedelta(hours=1)  # the loop would otherwise sleep IDLE_POLL_SECONDS
    worker = Worker([rows], FrozenClock(NOW))
    running = asyncio.create_task(worker.run_forever())
    try:
        await asyncio.sleep(0.05)
        cycles = len(rows.limits)
        rows.pending = 1
        worker.notify()
        for _ in range(20):
            await asyncio.sleep(0.01)
            if rows.pending == 0:
                break
        assert rows.pending == 0 and len(rows.limits) > cycles
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
