"""The inbox queue: stored activities get their effects here, once, in the worker.

A transient failure (a fetch that failed) retries the item with backoff; a refusal by the rules
(origin, shape) rejects it for good; anything unexpected is logged and retried. Claimed items are
leased for LEASE, renewed every RENEW_EVERY while the batch runs, so a slow item (fetches, each
bounded by its timeouts) is never taken over by another worker while this one still works on it.
Each item first waits (DEFER_AT_MOST at most) while this process's inbox has requests waiting for
their batch: answering comes first, and SN_INBOX_QUEUE_LIMIT bounds what waits meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from node.activitypub.objects import ActivityView
from node.errors import FetchError, FetchRefused, SolidarityError
from node.federation.relayed import Dispatch
from node.federation.runtime import Runtime
from node.storage import inbox_items
from node.storage.inbox_items import InboxItem

log = logging.getLogger("node.inbox")
LEASE = timedelta(minutes=2)
RENEW_EVERY = LEASE.total_seconds() / 4
DEFER_AT_MOST = 0.1  # seconds an item waits for the inbox's requests before it runs anyway


class InboxQueue:
    name = "inbox"

    def __init__(self, node: Runtime, dispatch: Dispatch, renew_every: float = RENEW_EVERY) -> None:
        self.node = node
        self.dispatch = dispatch  # the effects, with the network's rules handed in
        self.renew_every = renew_every  # seconds

    async def run_once(self, limit: int) -> int:
        node = self.node
        async with node.db.transaction() as session:
            items = await inbox_items.claim(session, node.clock.now(), limit, LEASE)
        async with self.leased({item.id for item in items}) as held:
            done = []
            for item in items:
                await node.inbox_writer.until_idle(DEFER_AT_MOST)
                if await self.process(item):
                    done.append(item.id)  # leased until finished below
                else:
                    held.discard(item.id)  # settled: retry or rejection
            if done:
                # effects are idempotent, so a crash before this only makes them run again
                async with node.db.transaction() as session:
                    await inbox_items.finish(session, done, node.clock.now())
        return len(items)

    @contextlib.asynccontextmanager
    async def leased(self, held: set[int]) -> AsyncIterator[set[int]]:
        """Renews the lease of the items still in `held` until the block ends."""
        done = asyncio.Event()
        renewing = asyncio.create_task(self.renew(held, done)) if held else None
        try:
            yield held
        finally:
            done.set()  # not cancelled: a renewal under way ends its transaction
            if renewing is not None:
                await renewing

    async def renew(self, held: set[int], done: asyncio.Event) -> None:
        node = self.node
        while held and not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=self.renew_every)
                return
            try:
                async with node.db.transaction() as session:
                    await inbox_items.renew(session, set(held), node.clock.now(), LEASE)
            except Exception:
                log.exception("could not renew the lease of inbox items %s", sorted(held))

    async def process(self, item: InboxItem) -> bool:
        """Run the item's effects; False when it was settled otherwise (retry, rejection)."""
        node = self.node
        try:
            await self.dispatch(node, ActivityView.from_document(item.document), item.relayed_by)
        except FetchError as exc:
            if isinstance(exc, FetchRefused):
                await self.settle(item, f"refused: {exc}", final=True)
            else:
                await self.settle(item, str(exc), final=False)
            return False
        except SolidarityError as exc:
            await self.settle(item, str(exc), final=True)
            return False
        except Exception as exc:
            log.exception("inbox item %s (%s) failed", item.id, item.activity_iri)
            await self.settle(item, f"{type(exc).__name__}: {exc}", final=False)
            return False
        return True

    async def settle(self, item: InboxItem, reason: str, *, final: bool) -> None:
        async with self.node.db.transaction() as session:
            if final:
                await inbox_items.reject(session, item.id, self.node.clock.now(), reason)
            else:
                await inbox_items.retry(session, item.id, self.node.clock.now(), reason)

    async def next_due(self) -> datetime | None:
        async with self.node.db.transaction() as session:
            return await inbox_items.next_due(session)
