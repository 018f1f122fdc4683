"""The inbox queue: stored activities get their effects here, once, in the worker's inbox lane.

Claimed items are worked many at once. Creates whose object came embedded from the actor's
origin (most of what arrives) are applied together, in one transaction for the lot; every other
item runs in its actor's chain: one actor's items one after another, in the order they
arrived, at most `concurrency` chains at once and `per_host` from one remote host, so a slow or
dead host delays only its own items. Fetches made for an item end within WORKER_FETCH_SECONDS.

What became of each item is written in batches: done; retried with backoff after a transient
failure (a timeout, a 5xx); rejected for good after a refusal (4xx, refused address, origin or
shape); anything unexpected is logged and retried. Items in hand stay leased (LEASE, renewed
every RENEW_EVERY), so another worker never takes over an item still being worked.
Each cycle first waits (DEFER_AT_MOST at most) while this process's inbox has requests waiting
for their batch: answering comes first, and SN_INBOX_QUEUE_LIMIT bounds what waits meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub.fetch import deadline_within
from node.activitypub.objects import ActivityView
from node.errors import FetchError, FetchRefused, FetchStatus, SolidarityError
from node.federation.inbox_creates import Creates
from node.federation.relayed import Dispatch
from node.federation.runtime import Runtime
from node.storage import inbox_items, wakeups
from node.storage.inbox_items import InboxItem, Outcome
from node.urls import host_of

log = logging.getLogger("node.inbox")
LEASE = timedelta(minutes=2)
RENEW_EVERY = LEASE.total_seconds() / 4
DEFER_AT_MOST = 0.1  # seconds a cycle waits for the inbox's requests before it runs anyway
CONCURRENCY = 32  # chains worked at once
PER_HOST = 4  # of them for actors of one remote host
IN_HAND = 1000  # items claimed and not yet settled
POLL_SECONDS = 0.25  # the longest a cycle waits for work in hand before it looks for more
WORKER_FETCH_SECONDS = 10.0
RETRYABLE_STATUSES = frozenset({408, 429})


def verdict(item: InboxItem, error: Exception) -> Outcome:
    """A failure's outcome: final when the remote side refused for good, else a retry."""
    if isinstance(error, FetchRefused):
        return Outcome.rejected(item, f"refused: {error}")
    if isinstance(error, FetchStatus):
        status = error.status
        if 400 <= status < 500 and status not in RETRYABLE_STATUSES:
            return Outcome.rejected(item, str(error))
        return Outcome.retry(item, str(error))
    if isinstance(error, FetchError):
        return Outcome.retry(item, str(error))
    if isinstance(error, SolidarityError):
        return Outcome.rejected(item, str(error))
    log.error("inbox item %s (%s) failed", item.id, item.activity_iri, exc_info=error)
    return Outcome.retry(item, f"{type(error).__name__}: {error}")


def batched(item: InboxItem) -> bool:
    """Whether the item may go with the Creates applied together."""
    return item.type == "Create" and item.relayed_by is None


class InboxQueue:
    """The node.workers.Queue of inbox items (see the module docstring).

    run_once() claims while there is room, applies the batched Creates, starts chains, and
    waits up to POLL_SECONDS for some to finish, then writes what was settled. Chains outlive
    a cycle. Call aclose() when done: it cancels chains and gives their items back.
    """

    name = wakeups.INBOX

    def __init__(
        self,
        node: Runtime,
        dispatch: Dispatch,
        creates: Creates | None = None,
        *,
        concurrency: int = CONCURRENCY,
        per_host: int = PER_HOST,
        in_hand: int = IN_HAND,
        renew_every: float = RENEW_EVERY,
        poll_seconds: float = POLL_SECONDS,
        fetch_seconds: float = WORKER_FETCH_SECONDS,
    ) -> None:
        self.node = node
        self.dispatch = dispatch  # the effects, with the network's rules handed in
        self.creates = creates  # the batched Creates, if any
        self.concurrency = max(1, concurrency)
        self.per_host = max(1, per_host)
        self.max_in_hand = max(1, in_hand)
        self.renew_every = renew_every  # seconds
        self.poll = poll_seconds
        self.fetch_seconds = fetch_seconds
        self._held: dict[int, InboxItem] = {}  # leased and not yet written
        self._chains: dict[str, deque[InboxItem]] = {}  # by actor, in the order they arrived
        self._running: dict[asyncio.Task[None], str] = {}  # chain -> its actor
        self._hosts: Counter[str] = Counter()  # running chains by host
        self._settled: list[Outcome] = []
        self._woken = asyncio.Event()
        self._renewing: asyncio.Task[None] | None = None

    @property
    def in_hand(self) -> int:
        return len(self._held)

    def notify(self) -> None:
        self._woken.set()

    async def run_once(self, limit: int) -> int:
        """Items claimed or settled this cycle; at least 1 while items are in hand."""
        await self.node.inbox_writer.until_idle(DEFER_AT_MOST)
        self._woken.clear()
        settled, claimed = await self._settle_and_claim(limit)
        chained = set(self._chains)  # an actor's items after one in a chain join the chain
        together = []
        for item in claimed:
            if batched(item) and item.actor_iri not in chained:
                together.append(item)
            else:
                chained.add(item.actor_iri)
                self._chains.setdefault(item.actor_iri, deque()).append(item)
        for item in await self._apply_batched(together):
            self._chains.setdefault(item.actor_iri, deque()).appendleft(item)
        self._start_chains()
        if self._running and not self._settled:
            await self._wait()
        return max(len(claimed) + settled, 1 if self._held else 0)

    async def next_due(self) -> datetime | None:
        if self._held:
            return self.node.clock.now()
        async with self.node.db.transaction() as session:
            return await inbox_items.next_due(session, self.node.clock.now())

    async def aclose(self) -> None:
        """Stop: cancel chains, write what was settled, give back the rest."""
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()
        self._chains.clear()
        self._hosts.clear()
        try:
            async with self.node.db.transaction() as session:
                await self._write_settled(session)
                await inbox_items.release(session, list(self._held))
        except Exception:
            log.exception(
                "could not release %d inbox items; their leases will expire", self.in_hand
            )
        self._held.clear()
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing

    # --- claiming ----------------------------------------------------------------------

    async def _settle_and_claim(self, limit: int) -> tuple[int, list[InboxItem]]:
        """In one transaction: what became of the items settled since the last cycle, and a
        claim of due items while there is room; how many were settled, and those claimed."""
        node = self.node
        settled = self._settled
        room = min(limit, self.max_in_hand - len(self._held) + len(settled))
        if not settled and room <= 0:
            return 0, []
        self._settled = []
        try:
            async with node.db.transaction() as session:
                written = await self._write_settled(session, settled)
                items = []
                if room > 0:
                    items = await inbox_items.claim(session, node.clock.now(), room, LEASE)
        except Exception:
            self._settled = settled + self._settled  # written again next cycle
            raise
        for outcome in settled:
            self._held.pop(outcome.id, None)
        for item in items:
            self._held[item.id] = item
        if items and (self._renewing is None or self._renewing.done()):
            self._renewing = asyncio.create_task(self._renew(), name="inbox-lease")
        return written, items

    async def _renew(self) -> None:
        """Keeps the leases of items in hand alive until none is left."""
        node = self.node
        while self._held:
            await asyncio.sleep(self.renew_every)
            try:
                async with node.db.transaction() as session:
                    await inbox_items.renew(session, list(self._held), node.clock.now(), LEASE)
            except Exception:
                log.exception("could not renew the lease of %d inbox items", self.in_hand)

    # --- working -----------------------------------------------------------------------

    async def _apply_batched(self, items: list[InboxItem]) -> list[InboxItem]:
        """The Creates applied together; returns those left for their actors' chains (the
        latest first, so that putting each at the front of its chain keeps their order)."""
        if self.creates is None or not items:
            return list(reversed(items))
        ready: list[tuple[InboxItem, ActivityView]] = []
        for item in items:
            try:
                ready.append((item, ActivityView.from_document(item.document)))
            except SolidarityError as exc:
                self._settled.append(verdict(item, exc))
        try:
            results = await self.creates(self.node, [activity for _, activity in ready])
        except Exception:
            log.exception("%d Creates could not be applied together; one by one", len(ready))
            return [item for item, _ in reversed(ready)]
        left = []
        for (item, _), applied in zip(ready, results, strict=True):
            if applied.left:
                left.append(item)
            elif applied.error is None:
                self._settled.append(Outcome.done(item))
            else:
                self._settled.append(verdict(item, applied.error))
        return list(reversed(left))

    def _start_chains(self) -> None:
        for actor in list(self._chains):
            if len(self._running) >= self.concurrency:
                return
            host = host_of(actor)
            if actor in self._running.values() or self._hosts[host] >= self.per_host:
                continue
            self._hosts[host] += 1
            task = asyncio.create_task(self._work_chain(actor), name=f"inbox-chain-{host}")
            self._running[task] = actor
            task.add_done_callback(self._chain_ended)

    def _chain_ended(self, task: asyncio.Task[None]) -> None:
        actor = self._running.pop(task, None)
        if actor is None:
            return
        host = host_of(actor)
        self._hosts[host] -= 1
        if self._hosts[host] <= 0:
            del self._hosts[host]
        if not task.cancelled() and task.exception() is not None:
            log.error("the chain of %s ended inside the node", actor, exc_info=task.exception())
        self._woken.set()

    async def _work_chain(self, actor: str) -> None:
        """One actor's items, one after another, until its chain is empty."""
        chain = self._chains[actor]
        with deadline_within(self.fetch_seconds):
            while chain:
                item = chain.popleft()
                outcome = await self._process(item)
                self._settled.append(outcome)  # the list of now: a write may have swapped it
        del self._chains[actor]

    async def _process(self, item: InboxItem) -> Outcome:
        try:
            activity = ActivityView.from_document(item.document)
            await self.dispatch(self.node, activity, item.relayed_by)
        except Exception as exc:
            return verdict(item, exc)
        return Outcome.done(item)

    async def _wait(self) -> None:
        """Until a chain ends, something is settled or stored, or POLL_SECONDS pass."""
        woken = asyncio.create_task(self._woken.wait())
        waiting: list[asyncio.Future[Any]] = [woken, *self._running]
        try:
            await asyncio.wait(waiting, timeout=self.poll, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()

    # --- writing -----------------------------------------------------------------------

    async def _write_settled(
        self, session: AsyncSession, settled: list[Outcome] | None = None
    ) -> int:
        """Writes what became of settled items (those given, else all so far)."""
        if settled is None:
            settled, self._settled = self._settled, []
        if settled:
            await inbox_items.settle(session, settled, self.node.clock.now())
        return len(settled)
