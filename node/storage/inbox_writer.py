"""Group commit of inbox items: each request waits for the batch that stores its item.

Items queued while one batch is being written form the next (up to MAX_BATCH), so under load
many requests share one transaction and one INSERT, and a lone item is written at once. store()
returns only after the batch holding its item committed: nothing acknowledged is lost. Of
several items with one activity id in a batch only the first is new. A batch that fails is
retried item by item, so one unstorable row fails only its own request (StorageError, 503).
One remote actor may have at most `quota` items waiting (ActorQuota): beyond it, its requests
are refused (Overloaded, 503 with Retry-After) while everyone else's are stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from node.clock import Clock
from node.errors import Overloaded, StorageError
from node.storage.db import describe
from node.storage.inbox_items import (
    COUNT_EVERY,
    RETRY_AFTER_SECONDS,
    NewItem,
    pending_by_actor,
    store_batch,
)

log = logging.getLogger("node.inbox")

MAX_BATCH = 200

Waiting = tuple[NewItem, "asyncio.Future[bool]"]


class ActorQuota:
    """Items waiting per remote actor, against a quota: read from the database at most once per
    COUNT_EVERY (only actors with a tenth of the quota or more; an index-only count), plus what
    this process admitted since. Other processes' items show at the next count."""

    def __init__(self, quota: int, clock: Clock) -> None:
        self.quota = quota
        self._clock = clock
        self._waiting: dict[str, int] = {}
        self._counted_at: datetime | None = None

    async def refresh(self, engine: AsyncEngine) -> None:
        now = self._clock.now()
        if self._counted_at is not None and now - self._counted_at < COUNT_EVERY:
            return
        async with engine.connect() as conn:  # a read of its own, before the write
            self._waiting = await pending_by_actor(conn, max(1, self.quota // 10))
        self._counted_at = now

    def admit(self, actor_iri: str) -> bool:
        waiting = self._waiting.get(actor_iri, 0)
        if waiting >= self.quota:
            return False
        self._waiting[actor_iri] = waiting + 1
        return True


class InboxWriter:
    def __init__(
        self, engine: AsyncEngine, quota: ActorQuota | None = None, max_batch: int = MAX_BATCH
    ) -> None:
        self.engine = engine
        self.quota = quota
        self.max_batch = max_batch
        self.batches = 0  # committed batches, for tests and figures
        self.writing = 0  # items in the batch being written now
        self._queue: list[Waiting] = []
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    async def until_idle(self, longest: float) -> None:
        """Wait (at most `longest` seconds) until no request waits for a batch: the worker
        defers to the inbox this way, so a flood of POSTs is answered first and processed
        after, within the backlog's bound."""
        if not self._idle.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout=longest)

    async def store(self, item: NewItem) -> bool:
        """Store the item with the next batch; True when its activity id was new."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        self._idle.clear()
        task = self._task
        if task is None or task.done() or task.get_loop() is not future.get_loop():
            self._task = asyncio.create_task(self._drain())
        return await future

    @property
    def queued(self) -> int:
        """Items waiting for the next batch."""
        return len(self._queue)

    async def close(self) -> None:
        """Write what is queued, then stop."""
        if self._task is not None:
            await self._task
            self._task = None

    async def _drain(self) -> None:
        try:
            await self._write_queued()
        finally:
            self._idle.set()

    async def _write_queued(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            self.writing = len(batch)
            try:
                await self._write(await self._admitted(batch))
            finally:
                self.writing = 0
                for _, future in batch:
                    if not future.done():  # cancelled while writing: not acknowledged
                        future.set_exception(StorageError("the node is shutting down"))

    async def _admitted(self, batch: Sequence[Waiting]) -> list[Waiting]:
        """The batch without the items of actors over their quota (those are refused)."""
        quota = self.quota
        if quota is None:
            return list(batch)
        try:
            await quota.refresh(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("could not count waiting inbox items: %s", describe(exc))
        admitted = []
        for item, future in batch:
            if quota.admit(item.actor_iri):
                admitted.append((item, future))
            elif not future.done():
                future.set_exception(
                    Overloaded(
                        f"{item.actor_iri} has {quota.quota} activities waiting to be processed",
                        RETRY_AFTER_SECONDS,
                    )
                )
        return admitted

    async def _write(self, batch: Sequence[Waiting]) -> None:
        if not batch:
            return
        try:
            async with self.engine.begin() as conn:
                new = await store_batch(conn, [item for item, _ in batch])
        except (SQLAlchemyError, OSError) as exc:
            if len(batch) > 1:
                for one in batch:
                    await self._write([one])
                return
            log.warning("inbox item %s not stored: %s", batch[0][0].activity_iri, describe(exc))
            fail(batch, StorageError(f"the activity could not be stored: {describe(exc)}"))
            return
        self.batches += 1
        for item, future in batch:
            is_new = item.activity_iri in new
            new.discard(item.activity_iri)  # a repeat later in this batch is not new
            if not future.done():
                future.set_result(is_new)


def fail(batch: Sequence[Waiting], error: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
