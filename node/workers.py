"""The loops over due rows: each queue (inbox effects, deliveries, …) runs in a lane of its own.

A lane claims its queue's due rows (leased, so a crashed worker's rows are taken over once the
lease runs out), works them, and sleeps until the next row is due or it is woken. Lanes never
wait for each other: a slow inbox item cannot hold a delivery back. Tests call
run_until_idle(), which runs the queues one cycle after another, instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from node.clock import Clock

log = logging.getLogger("node.workers")

IDLE_POLL_SECONDS = 1.0
FAILED_CYCLE_PAUSE = 1.0
BATCH = 200


class Queue(Protocol):
    name: str

    async def run_once(self, limit: int) -> int:
        """Claim and process up to `limit` due rows; return how many were claimed or settled
        (at least 1 while work this queue started is still under way)."""

    async def next_due(self) -> datetime | None:
        """When the earliest pending row becomes due (None when nothing is pending)."""


@runtime_checkable
class Wakeable(Protocol):
    def notify(self) -> None:
        """New rows were stored: a run_once waiting for work in hand returns early."""


@runtime_checkable
class Closable(Protocol):
    async def aclose(self) -> None:
        """Stop work in hand and give its rows back."""


class Lane:
    """One queue's own loop."""

    def __init__(self, queue: Queue, clock: Clock) -> None:
        self.queue = queue
        self.clock = clock
        self.wakeup = asyncio.Event()

    def notify(self) -> None:
        self.wakeup.set()
        if isinstance(self.queue, Wakeable):
            self.queue.notify()

    async def seconds_until_due(self) -> float:
        due = await self.queue.next_due()
        if due is None:
            return IDLE_POLL_SECONDS
        return max(0.0, min(IDLE_POLL_SECONDS, (due - self.clock.now()).total_seconds()))

    async def run_forever(self) -> None:
        while True:
            self.wakeup.clear()  # before the cycle: a wake during it starts the next at once
            try:
                if await self.queue.run_once(BATCH):
                    continue
                delay = await self.seconds_until_due()
            except Exception:
                log.exception("queue %s failed a cycle; it will be retried", self.queue.name)
                delay = FAILED_CYCLE_PAUSE
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=delay)


class Worker:
    def __init__(self, queues: Sequence[Queue], clock: Clock) -> None:
        self.clock = clock
        self.lanes = [Lane(queue, clock) for queue in queues]

    @property
    def queues(self) -> list[Queue]:
        return [lane.queue for lane in self.lanes]

    def notify(self, *names: str) -> None:
        """Rows were stored for these queues (every queue when none is named): look now."""
        for lane in self.lanes:
            if not names or lane.queue.name in names:
                lane.notify()

    async def run_once(self) -> int:
        """One cycle of every queue, one after another (tests and scripts)."""
        done = 0
        for queue in self.queues:
            try:
                done += await queue.run_once(BATCH)
            except Exception:
                log.exception("queue %s failed a cycle; it will be retried", queue.name)
        return done

    async def run_until_idle(self, max_cycles: int = 10_000) -> int:
        """Process until no queue has a due row (by the clock) nor work in hand."""
        total = 0
        for _ in range(max_cycles):
            done = await self.run_once()
            total += done
            if done == 0:
                return total
        raise RuntimeError(f"queues still busy after {max_cycles} cycles")

    async def seconds_until_due(self) -> float:
        return min([await lane.seconds_until_due() for lane in self.lanes] or [IDLE_POLL_SECONDS])

    async def run_forever(self) -> None:
        """Every lane at once, until cancelled."""
        async with asyncio.TaskGroup() as lanes:
            for lane in self.lanes:
                lanes.create_task(lane.run_forever(), name=f"lane-{lane.queue.name}")

    async def aclose(self) -> None:
        """Release what the queues hold (attempts in flight, leased rows, connection pools)."""
        for queue in self.queues:
            if isinstance(queue, Closable):
                try:
                    await queue.aclose()
                except Exception:
                    log.exception("queue %s did not close cleanly", queue.name)
