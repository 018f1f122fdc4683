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
from node.solidarity import relayed
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
        for item in items:
            await self.process(item)
        return len(items)

    async def process(self, item: InboxItem) -> None:
        node = self.node
        try:
            await relayed.dispatch(node, ActivityView.from_document(item.document), item.relayed_by)
        except FetchError as exc:
            if isinstance(exc, FetchRefused):
                await self.settle(item, f"refused: {exc}", final=True)
            else:
                await self.settle(item, str(exc), final=False)
            return
        except SolidarityError as exc:
            await self.settle(item, str(exc), final=True)
            return
        except Exception as exc:
            log.exception("inbox item %s (%s) failed", item.id, item.activity_iri)
            await self.settle(item, f"{type(exc).__name__}: {exc}", final=False)
            return
        async with node.db.transaction() as session:
            await inbox_items.finish(session, item.id, node.clock.now())

    async def settle(self, item: InboxItem, reason: str, *, final: bool) -> None:
        async with self.node.db.transaction() as session:
            if final:
                await inbox_items.reject(session, item.id, self.node.clock.now(), reason)
            else:
                await inbox_items.retry(session, item.id, self.node.clock.now(), reason)

    async def next_due(self) -> datetime | None:
        async with self.node.db.transaction() as session:
            return await inbox_items.next_due(session)
