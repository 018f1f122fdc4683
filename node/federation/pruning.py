"""Pruning as a queue of the worker (node.workers.Queue): once per EVERY, it deletes finished
inbox items and unreferenced received objects older than the retention time
(SN_RETENTION_DAYS, default 30; node.storage.retention says what "unreferenced" means), in
batches, until none is left. Between runs it costs a clock read per worker cycle.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from node.federation.runtime import Runtime
from node.storage import retention

log = logging.getLogger("node.pruning")
EVERY = timedelta(hours=1)


class Pruning:
    name = "pruning"

    def __init__(self, node: Runtime, every: timedelta = EVERY) -> None:
        self.node = node
        self.every = every
        self._next_run: datetime | None = None  # None: at the first cycle

    async def run_once(self, limit: int) -> int:
        node = self.node
        now = node.clock.now()
        if self._next_run is not None and now < self._next_run:
            return 0
        cutoff = now - timedelta(days=node.settings.retention_days)
        async with node.db.transaction() as session:
            removed = await retention.prune_inbox_items(session, cutoff, limit)
        async with node.db.transaction() as session:
            removed += await retention.prune_objects(session, cutoff, limit)
        if removed:
            log.info("pruned %d rows older than %s", removed, cutoff.date())
        else:
            self._next_run = now + self.every  # nothing left: until the next run
        return removed

    async def next_due(self) -> datetime | None:
        return self._next_run
