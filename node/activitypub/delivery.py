"""One delivery attempt: sign, POST the exact bytes, classify the answer, schedule a retry.

Classification follows Mastodon's DeliveryWorker: 2xx delivered; 4xx other than 401, 408 and
429, and 501, are final; every other status, timeouts and transport errors are retried.
Outgoing requests go through SafeClient (timeouts, address guard), one keep-alive pool per
host: a single httpx pool slows down sharply as it holds more connections (see HostClients).
"""

from __future__ import annotations

import random
import ssl
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import httpx

from node.activitypub.fetch import AS2_MEDIA_TYPE, PostResult, SafeClient
from node.activitypub.keys import load_own_private_key
from node.activitypub.signing_auth import SigningAuth
from node.clock import Clock
from node.config import FetchLimits, Settings
from node.errors import FetchDropped, FetchError, FetchRefused

# The schedule: 18 attempts. After the n-th failure the next attempt waits
# min(1 min * 2**(n-1), 24 h), stretched by up to 25 % of random jitter: 1, 2, 4, ... 1024 min,
# then 24 h six times. The 18th attempt comes about 7.4 days after the first (up to ~9 days
# with jitter); when it fails too, the delivery is given up. A Retry-After longer than the
# backoff is honoured; one shorter than it only for the first SHORT_RETRIES failures (a server
# busy for a moment, such as a peer's inbox in a cascade's burst, asks for a few seconds), never
# below MIN_RETRY_AFTER: a server cannot make the node retry it more often than that.
MAX_ATTEMPTS = 18
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=24)
JITTER = 0.25
SHORT_RETRIES = 3
MIN_RETRY_AFTER = timedelta(seconds=1)
RETRYABLE_4XX = frozenset({401, 408, 429})
FINAL_5XX = frozenset({501})
ERROR_EXCERPT = 200

MAX_IDLE_HOSTS = 256
KEEPALIVE_SECONDS = 30.0


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to; retry_after is the wait the server asked for, in seconds."""

    verdict: Verdict
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def host_answered(self) -> bool:
        """Whether the host is alive for health purposes: it gave an answer that is final."""
        return self.verdict is not Verdict.RETRY and self.status is not None


def classify_status(status: int) -> Verdict:
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if (400 <= status < 500 and status not in RETRYABLE_4XX) or status in FINAL_5XX:
        return Verdict.FAILED
    return Verdict.RETRY


def outcome_of(result: PostResult) -> Outcome:
    verdict = classify_status(result.status)
    if verdict is Verdict.DELIVERED:
        return Outcome(verdict, result.status)
    excerpt = " ".join(result.body.split())[:ERROR_EXCERPT]
    error = f"HTTP {result.status}" + (f": {excerpt}" if excerpt else "")
    return Outcome(verdict, result.status, error, result.retry_after)


async def attempt(client: SafeClient, inbox: str, body: bytes, signer: httpx.Auth) -> Outcome:
    """POST `body` to `inbox`, signed; never raises for anything the remote side does.

    A connection that closes before any answer is tried once more at once, on a new one: a
    kept-alive connection the server was closing as the request left (its keep-alive timeout,
    late on a busy server) is no failure of the peer, and an activity is the same by its id
    if it did arrive."""
    headers = {"Content-Type": AS2_MEDIA_TYPE}
    try:
        try:
            result = await client.post(inbox, body, headers=headers, auth=signer)
        except FetchDropped:
            result = await client.post(inbox, body, headers=headers, auth=signer)
    except FetchRefused as exc:
        return Outcome(Verdict.FAILED, error=f"refused: {exc.reason}")
    except FetchError as exc:
        return Outcome(Verdict.RETRY, error=f"{type(exc).__name__}: {exc.reason}")
    return outcome_of(result)


def attempt_deadline(limits: FetchLimits) -> timedelta:
    """The longest one attempt can take: SafeClient's whole-exchange bound (connect + 3 reads)."""
    return timedelta(seconds=limits.connect_timeout + 3 * limits.read_timeout)


def backoff(failures: int, rng: random.Random) -> timedelta:
    """The wait after the n-th failed attempt (n >= 1), jitter included."""
    exponent = min(max(failures, 1) - 1, 30)
    base: timedelta = min(BASE_DELAY * 2**exponent, MAX_DELAY)
    return base * (1 + JITTER * rng.random())


def retry_delay(failures: int, retry_after: float | None, rng: random.Random) -> timedelta | None:
    """When to try again after `failures` failed attempts; None once they are all used up.

    A Retry-After longer than the backoff wins, but never beyond MAX_DELAY; a shorter one
    wins for the first SHORT_RETRIES failures (at least MIN_RETRY_AFTER).
    """
    if failures >= MAX_ATTEMPTS:
        return None
    delay = backoff(failures, rng)
    if retry_after is not None:
        asked = min(max(timedelta(seconds=retry_after), MIN_RETRY_AFTER), MAX_DELAY)
        delay = asked if failures <= SHORT_RETRIES else max(delay, asked)
    return delay


class Signers:
    """Signing auths of local actors, each PEM parsed once and parsed again only if it changed."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._by_actor: dict[int, tuple[str, SigningAuth]] = {}

    def get(self, actor_id: int, key_id: str, private_key_pem: str) -> SigningAuth:
        cached = self._by_actor.get(actor_id)
        if cached is not None and cached[0] == private_key_pem and cached[1].key_id == key_id:
            return cached[1]
        auth = SigningAuth(key_id, load_own_private_key(private_key_pem), self._clock)
        self._by_actor[actor_id] = (private_key_pem, auth)
        return auth


@dataclass
class _Lane:
    client: SafeClient
    http: httpx.AsyncClient | None  # owned here (closed on eviction); None when shared
    users: int = 0


class HostClients:
    """A SafeClient per host, each on its own small keep-alive pool.

    httpx's pool does work proportional to (connections x waiting requests) on every request,
    so one pool for all hosts falls from ~1,300 to ~150 POSTs/s on loopback; small per-host
    pools stay at the single-connection rate. Callers keep at most `per_host` requests on a
    host at once, so a pool never queues. Idle pools beyond MAX_IDLE_HOSTS are closed.
    With `shared` given (in-process test transports) every host uses that client instead.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        per_host: int,
        shared: httpx.AsyncClient | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._per_host = per_host
        self._shared = shared
        self._ssl: ssl.SSLContext | None = None
        self._lanes: OrderedDict[str, _Lane] = OrderedDict()

    def acquire(self, host: str) -> SafeClient:
        lane = self._lanes.get(host)
        if lane is None:
            lane = self._lanes[host] = self._new_lane()
        self._lanes.move_to_end(host)
        lane.users += 1
        return lane.client

    async def release(self, host: str) -> None:
        lane = self._lanes.get(host)
        if lane is not None:
            lane.users -= 1
        await self._evict_idle()

    async def aclose(self) -> None:
        lanes, self._lanes = list(self._lanes.values()), OrderedDict()
        for lane in lanes:
            if lane.http is not None:
                await lane.http.aclose()

    def _new_lane(self) -> _Lane:
        owned = None if self._shared is not None else self._new_http()
        http = self._shared if self._shared is not None else owned
        assert http is not None
        client = SafeClient(
            http,
            user_agent=self._settings.user_agent,
            limits=self._settings.fetch,
            allow_private_addresses=self._settings.allow_private_addresses,
            clock=self._clock,
        )
        return _Lane(client, owned)

    def _new_http(self) -> httpx.AsyncClient:
        if self._ssl is None:  # one context for all pools: loading CA certificates is costly
            ca_file = self._settings.ca_file
            self._ssl = (
                ssl.create_default_context(cafile=str(ca_file))
                if ca_file
                else httpx.create_ssl_context()
            )
        size = self._per_host
        limits = httpx.Limits(
            max_connections=size, max_keepalive_connections=size, keepalive_expiry=KEEPALIVE_SECONDS
        )
        return httpx.AsyncClient(limits=limits, verify=self._ssl, follow_redirects=False)

    async def _evict_idle(self) -> None:
        excess = len(self._lanes) - MAX_IDLE_HOSTS
        for host in [h for h, lane in self._lanes.items() if lane.users == 0][: max(excess, 0)]:
            lane = self._lanes.pop(host)
            if lane.http is not None:
                await lane.http.aclose()
