"""The worker's lanes: each queue loops on its own, so one that is stuck holds no other back,
and a lane asleep is woken at once by notify()."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from node.clock import FrozenClock
from node.workers import IDLE_POLL_SECONDS, Worker

START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class Stuck:
    """A queue whose every cycle waits until released."""

    name = "stuck"

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.cycles = 0

    async def run_once(self, limit: int) -> int:
        self.cycles += 1
        await self.release.wait()
        return 0

    async def next_due(self) -> datetime | None:
        return None


class Counting:
    """A queue with `waiting` rows; each cycle takes one."""

    name = "counting"

    def __init__(self, waiting: int = 0) -> None:
        self.waiting = waiting
        self.done = 0
        self.took = asyncio.Event()

    async def run_once(self, limit: int) -> int:
        if not self.waiting:
            return 0
        self.waiting -= 1
        self.done += 1
        self.took.set()
        return 1

    async def next_due(self) -> datetime | None:
        return None


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def test_a_stuck_lane_holds_no_other_back(clock: FrozenClock) -> None:
    stuck, counting = Stuck(), Counting(waiting=5)
    worker = Worker([stuck, counting], clock)
    running = asyncio.create_task(worker.run_forever())
    try:
        for _ in range(200):
            if counting.done == 5:
                break
            await asyncio.sleep(0.01)
        assert counting.done == 5
        assert stuck.cycles == 1  # still in its first cycle
    finally:
        running.cancel()
        stuck.release.set()
        with pytest.raises(asyncio.CancelledError):
            await running


async def test_notify_wakes_a_sleeping_lane_at_once(clock: FrozenClock) -> None:
    counting = Counting()
    worker = Worker([counting], clock)
    running = asyncio.create_task(worker.run_forever())
    try:
        await asyncio.sleep(0.05)  # asleep: nothing waits, nothing is due
        counting.waiting = 1
        worker.notify("counting")
        await asyncio.wait_for(counting.took.wait(), timeout=IDLE_POLL_SECONDS / 4)
        counting.took.clear()
        counting.waiting = 1
        worker.notify("another")  # a name it does not carry leaves it asleep
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(counting.took.wait(), timeout=IDLE_POLL_SECONDS / 4)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running


async def test_run_until_idle_runs_every_queue_until_none_has_work(clock: FrozenClock) -> None:
    one, two = Counting(waiting=3), Counting(waiting=1)
    two.name = "two"
    assert await Worker([one, two], clock).run_until_idle() == 4
    assert (one.done, two.done) == (3, 1)


async def test_the_wait_follows_the_earliest_due_row(clock: FrozenClock) -> None:
    class Due(Counting):
        async def next_due(self) -> datetime | None:
            return clock.now() + timedelta(milliseconds=200)

    assert await Worker([Due()], clock).seconds_until_due() == pytest.approx(0.2)
    assert await Worker([Counting()], clock).seconds_until_due() == IDLE_POLL_SECONDS
