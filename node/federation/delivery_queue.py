"""The delivery queue: leases due delivery rows and attempts them concurrently (at most
`concurrency` in hand, `per_host` at once per host), the most urgent first, writing outcomes and
host health in batches; rows of a worker that died are taken again when their lease ends. A row
whose call's deadline passed is not attempted again: it fails as expired.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import delivery
from node.activitypub.delivery import HostClients, Outcome, Signers, Verdict
from node.activitypub.signing_auth import SigningAuth, SigningTurns
from node.errors import SignatureError
from node.federation.runtime import Runtime
from node.federation.sending import actor_iri
from node.storage import deliveries, hosts, wakeups
from node.storage.actors import LocalActor
from node.storage.deliveries import Claimed, Result
from node.storage.hosts import PROBE_INTERVAL, HostHealth

log = logging.getLogger("node.deliveries")

# Measured on loopback (2 cores, 1,000 signed POSTs to 100 sink hosts): with per-host pools
# the rate hardly moves from 16 to 128 attempts at once (~500-650/s, CPU-bound in httpx and
# signing), so the bound is set for hiding real network latency, not for loopback speed.
DEFAULT_CONCURRENCY = 64
DEFAULT_PER_HOST = 4
MIN_LEASE = timedelta(seconds=2)
POLL_SECONDS = 0.25
GIVE_UP_AFTER = timedelta(days=10)
EXPIRED = "the call's deadline passed"


@dataclass(frozen=True)
class _Finished:
    row: Claimed
    outcome: Outcome


@dataclass(order=True)
class _Waiting:
    """A row in hand waiting for room on its host: the most urgent, then the oldest, first."""

    rank: tuple[int, int]
    row: Claimed = field(compare=False)
    lease_end: datetime = field(compare=False)

    @classmethod
    def of(cls, row: Claimed, lease_end: datetime) -> _Waiting:
        return cls((-row.priority, row.id), row, lease_end)


class DeliveryQueue:
    """The node.workers.Queue of deliveries.

    run_once() leases rows while there is room, starts their attempts, and waits up to
    POLL_SECONDS for some to finish, recording those in one transaction. Attempts outlive a
    cycle, so a slow host never holds up the rest; a busy host's rows are left unclaimed.
    Call aclose() when done: it cancels attempts in flight and releases their rows.
    """

    name = wakeups.DELIVERIES

    def __init__(
        self,
        node: Runtime,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        per_host: int = DEFAULT_PER_HOST,
        lease: timedelta | None = None,
        poll_seconds: float = POLL_SECONDS,
        http: httpx.AsyncClient | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._node = node
        self._concurrency = max(1, concurrency)
        # rows held at most: those attempted and as many again ready to start the moment an
        # attempt ends, without waiting for a cycle to record it and claim more
        self._hand = 2 * self._concurrency
        self._per_host = max(1, per_host)
        self._deadline = delivery.attempt_deadline(node.settings.fetch)
        # rows in hand are renewed every third of a lease, so a short lease suffices and a
        # crashed worker's rows come back soon
        configured = timedelta(seconds=node.settings.delivery_lease_seconds)
        self._lease = max(lease or configured, MIN_LEASE)
        self._renewed = node.clock.now()
        self._poll = poll_seconds
        self._rng = rng or random.Random()
        self._signers = Signers(node.clock)
        self._clients = HostClients(node.settings, node.clock, per_host=self._per_host, shared=http)
        self._auth: dict[int, SigningAuth] = {}
        self._turns = SigningTurns()  # a burst's first request leaves after one signature
        self._backlog: dict[str, list[_Waiting]] = {}  # heaps by host
        self._running: Counter[str] = Counter()  # attempts under way, by host
        self._active = 0  # attempts under way
        self._closing = False
        self._tasks: dict[asyncio.Task[Outcome], Claimed] = {}
        self._woken = asyncio.Event()
        self.stats: Counter[str] = Counter()  # attempts by verdict, since this queue started

    def notify(self) -> None:
        """Rows were stored: a cycle waiting on attempts returns and claims them now."""
        self._woken.set()

    @property
    def in_hand(self) -> int:
        """Rows leased by this queue and not yet recorded."""
        return len(self._tasks) + sum(len(waiting) for waiting in self._backlog.values())

    async def run_once(self, limit: int) -> int:
        """Rows claimed or finished this cycle; at least 1 while attempts are in flight."""
        await self._renew()
        woken = self._woken.is_set()
        self._woken.clear()
        claimed = await self._claim(limit, eager=woken)
        self._start_ready()
        if not self._tasks:
            return claimed
        done = await self._wait()
        finished = [self._collect(task) for task in done]
        self._start_ready()
        await self._record(finished)
        return max(claimed + len(finished), 1)

    async def _wait(self) -> set[asyncio.Task[Outcome]]:
        """Attempts that end within POLL_SECONDS (the first of them), or none when rows are
        stored meanwhile (notify): they are claimed at once."""
        woken = asyncio.create_task(self._woken.wait())
        waiting: list[asyncio.Future[Any]] = [woken, *self._tasks]
        try:
            await asyncio.wait(waiting, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
        return {task for task in self._tasks if task.done()}

    async def next_due(self) -> datetime | None:
        if self._tasks or self._backlog:
            return self._node.clock.now()
        async with self._node.db.transaction() as session:
            return await deliveries.next_due(session, self._node.clock.now())

    async def aclose(self) -> None:
        """Stop: cancel attempts in flight, release every row in hand, close the pools."""
        self._closing = True  # an attempt cancelled below must not start another
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        rows = [*self._tasks.values(), *(w.row for q in self._backlog.values() for w in q)]
        self._tasks.clear()
        self._backlog.clear()
        self._running.clear()
        self._active = 0
        try:
            if rows:
                async with self._node.db.transaction() as session:
                    releases = [Result.released(row.id) for row in rows]
                    await deliveries.record(session, releases, self._node.clock.now())
        except Exception:
            log.exception("could not release %d deliveries; their leases will expire", len(rows))
        await self._clients.aclose()

    # --- leases ------------------------------------------------------------------------

    async def _renew(self) -> None:
        """Keep the leases of rows in hand alive while this worker lives."""
        now = self._node.clock.now()
        if not self.in_hand or now - self._renewed < self._lease / 3:
            return
        until = now + self._lease
        ids = [row.id for row in self._tasks.values()]
        for waiting in self._backlog.values():
            for entry in waiting:
                entry.lease_end = until
                ids.append(entry.row.id)
        async with self._node.db.transaction() as session:
            await deliveries.renew(session, ids, until)
        self._renewed = now

    # --- claiming ----------------------------------------------------------------------

    async def _claim(self, limit: int, *, eager: bool = False) -> int:
        """Lease due rows while there is room; in batches, not row by row, unless rows were
        just stored (`eager`): a new urgent row must not wait for a batch's worth of room."""
        room = min(limit, self._hand - self.in_hand)
        if room <= 0 or (not eager and self.in_hand and room < max(1, self._concurrency // 4)):
            return 0
        full = {h for h, n in self._running.items() if n >= self._per_host} | set(self._backlog)
        now = self._node.clock.now()
        async with self._node.db.transaction() as session:
            rows = await deliveries.claim_due(session, now, room, self._lease, exclude_hosts=full)
            if not rows:
                return 0
            ready, settled = await self._screen(session, rows, now)
            ready, unsignable = await self._load_signers(session, ready)
            await deliveries.record(session, [*settled, *unsignable], now)
        for row in ready:
            heapq.heappush(
                self._backlog.setdefault(row.host, []), _Waiting.of(row, now + self._lease)
            )
        return len(rows)

    async def _screen(
        self, session: AsyncSession, rows: list[Claimed], now: datetime
    ) -> tuple[list[Claimed], list[Result]]:
        """Rows to hosts the policy refuses fail; unavailable hosts' rows wait, but for one
        probe. The policy is the one in force now (its version is read with the claim)."""
        every = {row.host for row in rows}
        policy = await self._node.policy.current(session, fresh=True)
        blocked = {host for host in every if policy.refusal(host) is not None}
        down = await hosts.unavailable_among(session, every - blocked)
        probes = {host for host in down if await hosts.take_probe(session, host, now)}
        ready: list[Claimed] = []
        settled: list[Result] = []
        for row in rows:
            if row.expires_at is not None and row.expires_at <= now:
                settled.append(Result.failed(row.id, None, EXPIRED, attempted=False))
            elif row.host in blocked:
                why = "domain blocked" if policy.suspends(row.host) else "not on the allowlist"
                settled.append(Result.failed(row.id, None, why, attempted=False))
            elif row.host in probes:
                probes.discard(row.host)
                ready.append(row)
            elif row.host in down:
                settled.append(_postpone(row, down[row.host], now))
            else:
                ready.append(row)
        return ready, settled

    async def _load_signers(
        self, session: AsyncSession, rows: list[Claimed]
    ) -> tuple[list[Claimed], list[Result]]:
        actors = await deliveries.senders(session, {row.actor_id for row in rows})
        ready: list[Claimed] = []
        unsignable: list[Result] = []
        for row in rows:
            try:
                self._auth[row.actor_id] = self._signer(actors[row.actor_id])
            except (KeyError, SignatureError) as exc:
                error = f"cannot sign as actor {row.actor_id}: {type(exc).__name__}"
                unsignable.append(Result.failed(row.id, None, error, attempted=False))
                continue
            ready.append(row)
        return ready, unsignable

    def _signer(self, actor: LocalActor) -> SigningAuth:
        key_id = self._node.urls.key_id(actor_iri(self._node.urls, actor))
        return self._signers.get(actor.id, key_id, actor.private_key_pem)

    # --- attempting --------------------------------------------------------------------

    def _start_ready(self) -> None:
        """Start rows in hand, the most urgent first, while there is room on their host and
        fewer than `concurrency` attempts are under way. Called by each cycle and by every
        attempt as it ends, so the next row starts at once, not when the cycle has recorded."""
        if self._closing:
            return
        now = self._node.clock.now()
        heads = [(q[0].rank, h) for h, q in self._backlog.items() if self._has_room(h)]
        heapq.heapify(heads)
        while heads and self._active < self._concurrency:
            _, host = heapq.heappop(heads)
            waiting = self._backlog[host]
            entry = heapq.heappop(waiting)
            if entry.lease_end < now:
                # another worker may hold it by now; its lease decides
                log.warning("lease of delivery %d ran out while it waited; left", entry.row.id)
            else:
                self._launch(entry.row)
            if not waiting:
                del self._backlog[host]
            elif self._has_room(host):
                heapq.heappush(heads, (waiting[0].rank, host))

    def _has_room(self, host: str) -> bool:
        return self._running[host] < self._per_host

    def _launch(self, row: Claimed) -> None:
        self._running[row.host] += 1
        self._active += 1
        task = asyncio.create_task(self._attempt(row), name=f"deliver-{row.id}")
        self._tasks[task] = row

    async def _attempt(self, row: Claimed) -> Outcome:
        client = self._clients.acquire(row.host)
        try:
            signer = self._turns.auth(self._auth[row.actor_id])
            return await delivery.attempt(client, row.inbox_url, row.body.encode(), signer)
        finally:
            self._active -= 1
            self._running[row.host] -= 1
            if self._running[row.host] <= 0:
                del self._running[row.host]
            self._start_ready()
            await self._clients.release(row.host)

    def _collect(self, task: asyncio.Task[Outcome]) -> _Finished:
        row = self._tasks.pop(task)
        error = RuntimeError("cancelled") if task.cancelled() else task.exception()
        if error is None:
            return _Finished(row, task.result())
        log.error("delivery %d failed inside the node", row.id, exc_info=error)
        return _Finished(row, Outcome(Verdict.RETRY, error=f"internal: {type(error).__name__}"))

    # --- recording ---------------------------------------------------------------------

    async def _record(self, finished: list[_Finished]) -> None:
        if not finished:
            return
        now = self._node.clock.now()
        results = [self._result(item, now) for item in finished]
        self.stats.update(item.outcome.verdict.value for item in finished)
        self._node.metrics.delivered((i.row.host, i.outcome.verdict.value) for i in finished)
        answered = {item.row.host for item in finished if item.outcome.host_answered}
        failing = {item.row.host for item in finished if item.outcome.verdict is Verdict.RETRY}
        async with self._node.db.transaction() as session:
            await deliveries.record(session, results, now)
            for host in sorted(failing - answered):
                await hosts.record_failure(session, host, now)
            for host in await hosts.record_successes(session, answered, now):
                moved = await deliveries.bring_forward(session, host, now)
                log.info("%s answers again; %d deliveries to it are due now", host, moved)

    def _result(self, item: _Finished, now: datetime) -> Result:
        row, outcome = item.row, item.outcome
        if outcome.verdict is Verdict.DELIVERED:
            log.debug("delivered %s to %s (%s)", row.activity_iri, row.inbox_url, outcome.status)
            return Result.delivered(row.id, outcome.status or 0)
        failures = row.attempts + 1
        delay = None
        if outcome.verdict is Verdict.RETRY:
            delay = delivery.retry_delay(failures, outcome.retry_after, self._rng)
        if delay is not None and row.expires_at is not None and now + delay >= row.expires_at:
            expired = f"{EXPIRED} before the next attempt: {outcome.error}"
            return Result.failed(row.id, outcome.status, expired, attempted=True)
        if delay is None:
            log.warning("gave up %s to %s: %s", row.activity_iri, row.inbox_url, outcome.error)
            error = outcome.error if outcome.verdict is Verdict.FAILED else None
            error = error or f"gave up after {failures} attempts: {outcome.error}"
            return Result.failed(row.id, outcome.status, error, attempted=True)
        log.info(
            "%s to %s failed (%s); again in %d s",
            row.activity_iri,
            row.inbox_url,
            outcome.error,
            delay.total_seconds(),
        )
        return Result.retry_at(row.id, now + delay, outcome.status, outcome.error, attempted=True)


def _postpone(row: Claimed, host: HostHealth, now: datetime) -> Result:
    """Wait for the host's next probe, or give up once the row is GIVE_UP_AFTER old."""
    until = host.next_probe_at
    if until is None or until <= now:
        until = now + PROBE_INTERVAL
    since = host.unavailable_since.isoformat() if host.unavailable_since else "?"
    if until - row.created_at > GIVE_UP_AFTER:
        error = f"host unavailable since {since}; given up"
        return Result.failed(row.id, None, error, attempted=False)
    error = f"postponed: host unavailable since {since}"
    return Result.retry_at(row.id, until, None, error, attempted=False)
