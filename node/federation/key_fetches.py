"""The budget for fetching the keys that requests not yet authenticated name.

Anyone can name any keyId, so these fetches get a small budget of their own, apart from the
node's other outgoing requests (API follows, the worker, WebFinger keep their capacity): an own
connection pool of TOTAL connections, at most PER_ORIGIN fetches at once per origin (scheme,
host and port: two servers on one address do not share), one fetch per key id at a time (others
wait for it), a short DEADLINE, and a negative cache (a key id that failed, or an origin that
could not be reached, is not asked again for NEGATIVE_TTL; a key id whose fetch timed out, for
SLOW_TTL, and its origin is not barred: a peer slow under load still has its other keys
fetched), and a cached key fetched again (after a signature it did not verify) at most once per
REFRESH_EVERY, so bad signatures naming a known key cannot make the node fetch it again and
again. When every connection is busy a request (or for its origin's share) waits for one, at
most WAITERS of them (PER_ORIGIN of one origin) and each at most DEADLINE (a burst of
deliveries from many new senders, such as a cascade's Announces or one server's many users, is
served rather than sent away to retry). A request waits for its key at most DEADLINE and
GRACE, so that it is answered before senders stop waiting (10 s); the fetch it started goes
on meanwhile, within the budget, and a retry finds the key cached. A request refused because
the budget is busy or the key was slow to come is answered 503 with a short Retry-After (the
signature was not judged: send it again soon); one whose key could not be had is answered
401. Reasons given to the
sender name what was wrong with its request, never what the network looked like (addresses,
hosts, statuses): details go to the log.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from node.activitypub.fetch import SafeClient
from node.clock import Clock
from node.errors import (
    FederationError,
    FetchError,
    FetchRefused,
    FetchStatus,
    FetchTimeout,
    Gone,
    Overloaded,
    SignatureError,
)
from node.storage.remote_actors import RemoteActor
from node.urls import origin_of

log = logging.getLogger("node.keys")

TOTAL = 16
WAITERS = 64
PER_ORIGIN = 2
DEADLINE = 5.0  # seconds for a whole key fetch, redirects and the owner's document included
GRACE = 0.5  # a request waits DEADLINE and this for its key, then is answered 503
CONNECT_SECONDS = 3.0
NEGATIVE_TTL = timedelta(seconds=60)
SLOW_TTL = timedelta(seconds=10)  # a key whose fetch timed out rests this long
BUSY_RETRY_AFTER = 5  # seconds a sender is asked to wait when the budget is busy
NEGATIVE_LIMIT = 4096
REFRESH_EVERY = timedelta(seconds=60)

Fetch = Callable[[SafeClient], Awaitable[RemoteActor]]


@dataclass(frozen=True)
class Budget:
    total: int = TOTAL
    waiters: int = WAITERS
    per_origin: int = PER_ORIGIN
    deadline: float = DEADLINE
    negative_ttl: timedelta = NEGATIVE_TTL
    slow_ttl: timedelta = SLOW_TTL


class KeyFetches:
    """Fetches of keys for unauthenticated requests, through `client` (its own pool)."""

    def __init__(self, client: SafeClient, clock: Clock, budget: Budget | None = None) -> None:
        self.client = client
        self.budget = budget or Budget()
        self._clock = clock
        self._running: dict[str, asyncio.Future[RemoteActor]] = {}  # waiting or fetching
        self._per_origin: Counter[str] = Counter()
        # key id or origin -> until when it rests, and whether only for being slow
        self._failed: OrderedDict[str, tuple[datetime, bool]] = OrderedDict()
        self._refreshed: OrderedDict[str, datetime] = OrderedDict()  # key id -> when
        self._busy = 0  # fetches holding one of the budget's connections
        self._queue: deque[tuple[asyncio.Future[None], str]] = deque()  # waiting, with origin

    @property
    def in_flight(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return sum(not waiter.done() for waiter, _ in self._queue)

    async def fetch(self, key_id: str, work: Fetch) -> RemoteActor:
        """The actor owning `key_id`, fetched by `work` within the budget. SignatureError (401)
        when the key or its origin could not be had; Overloaded (503) when the budget is busy,
        the key was slow lately, or it is not here within the deadline (and a bit): the fetch
        then goes on, bounded by the budget, so that the sender's retry finds the key cached."""
        running = self._running.get(key_id)
        if running is None:
            origin = origin_of(key_id)
            self._refuse_recent_failure(key_id, origin)
            running = asyncio.ensure_future(self._obtain(key_id, origin, work))
            self._running[key_id] = running
            running.add_done_callback(functools.partial(self._ended, key_id))
        try:
            return await asyncio.wait_for(asyncio.shield(running), self.budget.deadline + GRACE)
        except TimeoutError:
            raise busy(f"the key {key_id} is still being fetched; try again later") from None
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if running.cancelled() and current is not None and not current.cancelling():
                raise busy("the node is closing; try again later") from None  # aclose()
            raise

    async def aclose(self) -> None:
        """Cancel the fetches still going on (the node is closing)."""
        running = list(self._running.values())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _obtain(self, key_id: str, origin: str, work: Fetch) -> RemoteActor:
        """One fetch of `key_id`, which every request naming it meanwhile waits for."""
        await self._slot(origin)
        try:
            self._refuse_recent_failure(key_id, origin)  # it may have failed while this waited
            return await self._fetch(key_id, origin, work)
        finally:
            self._release(origin)

    def _ended(self, key_id: str, task: asyncio.Future[RemoteActor]) -> None:
        if self._running.get(key_id) is task:
            del self._running[key_id]
        if not task.cancelled():
            task.exception()  # retrieved: nobody may be waiting any more

    def _free(self, origin: str) -> bool:
        return self._busy < self.budget.total and self._per_origin[origin] < self.budget.per_origin

    def _take(self, origin: str) -> None:
        self._busy += 1
        self._per_origin[origin] += 1

    async def _slot(self, origin: str) -> None:
        """One of the budget's connections within the origin's share: at once if free, else
        handed over by a finishing fetch (at most `waiters` requests wait, each at most the
        deadline); SignatureError (401) otherwise."""
        if self._free(origin) and not self.waiting:
            self._take(origin)
            return
        if self.waiting >= self.budget.waiters:
            raise busy("too many unknown keys are being fetched now; try again later")
        waiting_here = sum(o == origin and not w.done() for w, o in self._queue)
        if waiting_here >= self.budget.per_origin:  # one origin holds a share of the waiting too
            raise busy(f"too many keys of {origin} are being fetched now; try later")
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((waiter, origin))
        self._grant()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), self.budget.deadline)
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._release(origin)  # granted just as the wait ended: pass it on
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                full = f"too many keys (of {origin} or in all) are being fetched now; try later"
                raise busy(full) from None
            raise

    def _release(self, origin: str) -> None:
        self._busy -= 1
        self._per_origin[origin] -= 1
        if not self._per_origin[origin]:
            del self._per_origin[origin]
        self._grant()

    def _grant(self) -> None:
        """Free connections to the waiting requests whose origin has room, oldest first."""
        for entry in list(self._queue):
            waiter, origin = entry
            if waiter.done():
                self._queue.remove(entry)
            elif self._free(origin):
                self._queue.remove(entry)
                self._take(origin)
                waiter.set_result(None)

    async def _fetch(self, key_id: str, origin: str, work: Fetch) -> RemoteActor:
        try:
            async with asyncio.timeout(self.budget.deadline):
                return await work(self.client)
        except (TimeoutError, FetchTimeout) as exc:
            # only this key rests: an origin that is slow under load (or slow for this key)
            # still serves its other actors' keys; one that never answers costs no more than
            # its PER_ORIGIN share meanwhile, as it would with the origin resting
            self._remember(key_id, slow=True)
            log.info("key %s: no answer within %g s", key_id, self.budget.deadline)
            late = f"the key {key_id} could not be fetched in time; try again later"
            raise Overloaded(late, _seconds(self.budget.slow_ttl)) from exc
        except (FederationError, Gone) as exc:
            if isinstance(exc, FetchError) and not isinstance(exc, FetchStatus | FetchRefused):
                self._remember(origin)  # no connection or no answer: the origin rests
            self._remember(key_id)
            log.info("key %s: %s", key_id, exc)
            raise SignatureError(f"no usable key could be fetched from {key_id}") from exc

    def may_refresh(self, key_id: str) -> bool:
        """Whether a cached key may be fetched again now (and, if so, that it was)."""
        now = self._clock.now()
        last = self._refreshed.get(key_id)
        if last is not None and now - last < REFRESH_EVERY:
            return False
        self._refreshed[key_id] = now
        self._refreshed.move_to_end(key_id)
        while len(self._refreshed) > NEGATIVE_LIMIT:
            self._refreshed.popitem(last=False)
        return True

    def _remember(self, name: str, *, slow: bool = False) -> None:
        rest = self.budget.slow_ttl if slow else self.budget.negative_ttl
        self._failed[name] = (self._clock.now() + rest, slow)
        self._failed.move_to_end(name)
        while len(self._failed) > NEGATIVE_LIMIT:
            self._failed.popitem(last=False)

    def _refuse_recent_failure(self, key_id: str, origin: str) -> None:
        now = self._clock.now()
        for name in (key_id, origin):
            found = self._failed.get(name)
            if found is None:
                continue
            until, slow = found
            if now < until:
                lately = f"the key {key_id} could not be fetched lately; try later"
                if slow:
                    raise Overloaded(lately, _seconds(until - now))
                raise SignatureError(lately)
            del self._failed[name]


def busy(message: str) -> Overloaded:
    return Overloaded(message, BUSY_RETRY_AFTER)


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))
