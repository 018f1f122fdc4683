"""The loop over due rows: inbox items and deliveries, claimed in batches with leases.

Each queue claims rows whose `next_attempt_at` has come and whose lease (`locked_until`) is
free or expired, so a crashed worker's rows are taken over once its lease runs out. Tests call
run_until_idle() instead of sleeping; `serve` runs the loop as a task, `worker` on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from node.clock import Clock

log = logging.getLogger("node.workers")

IDLE_POLL_SECONDS = 1.0
BATCH = 50


class Queue(Protocol):
    name: str

    async def run_once(self, limit: int) -> int:
        """Claim and process up to `limit` due rows; return how many were processed."""

    async def next_due(self) -> datetime | None:
        """When the earliest pending row becomes due (None when nothing is pending)."""


class Worker:
    def __init__(self, queues: Sequence[Queue], clock: Clock) -> None:
        self.queues = list(queues)
        self.clock = clock
        self.wakeup = asyncio.Event()

    def notify(self) -> None:
        """New rows were stored in this process: look at them now instead of polling later."""
        self.wakeup.set()

    async def run_once(self) -> int:
        done = 0
        for queue in self.queues:
            try:
                done += await queue.run_once(BATCH)
            except Exception:
                log.exception("queue %s failed a cycle; it will be retried", queue.name)
        return done

    async def run_until_idle(self, max_cycles: int = 10_000) -> int:
        """Process until no queue has a due row (by the clock); for tests and scripts."""
        total = 0
        for _ in range(max_cycles):
            done = await self.run_once()
            total += done
            if done == 0:
                return total
        raise RuntimeError(f"queues still busy after {max_cycles} cycles")

    async def seconds_until_due(self) -> float:
        dues = [due for queue in self.queues if (due := await queue.next_due()) is not None]
        if not dues:
            return IDLE_POLL_SECONDS
        wait = (min(dues) - self.clock.now()).total_seconds()
        return max(0.0, min(IDLE_POLL_SECONDS, wait))

    async def run_forever(self) -> None:
        while True:
            if await self.run_once():
                continue
            self.wakeup.clear()
            try:
                delay = await self.seconds_until_due()
            except Exception:
                log.exception("could not read the queues; retrying")
                delay = IDLE_POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=delay)
