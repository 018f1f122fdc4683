"""The inbox queue: stored activities get their effects here, once, in the worker.

A transient failure (a fetch that failed) retries the item with backoff; a refusal by the rules
(origin, shape) rejects it for good; anything unexpected is logged and retried.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from node.activitypub.objects import ActivityView
from node.errors import FetchError, FetchRefused, SolidarityError
from node.services import Services
from node.solidarity import handlers
from node.storage import inbox_items
from node.storage.inbox_items import InboxItem

log = logging.getLogger("node.inbox")
LEASE = timedelta(minutes=5)


class InboxQueue:
    name = "inbox"

    def __init__(self, node: Services) -> None:
        self.node = node

    async def run_once(self, limit: int) -> int:
        node = self.node
        async with node.db.transaction() as session:
            items = await inbox_items.claim(session, node.clock.now(), limit, LEASE)
        done = [item.id for item in items if await self.process(item)]
        if done:
            # effects are idempotent, so a crash before this only makes them run again
            async with node.db.transaction() as session:
                await inbox_items.finish(session, done, node.clock.now())
        return len(items)

    async def process(self, item: InboxItem) -> bool:
        """Run the item's effects; False when it was settled otherwise (retry, rejection)."""
        node = self.node
        try:
            await handlers.handle(node, ActivityView.from_document(item.document))
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
