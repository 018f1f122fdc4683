"""What a running node holds for its lifetime: settings, database, clock, HTTP clients, JSON-LD.

Built by create_app() or the CLI; nothing here is a module global. `start()` does the I/O a
node needs before serving (database check, the instance actor's signing key).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING

import httpx

from node.activitypub.fetch import SafeClient
from node.activitypub.keys import load_own_private_key
from node.activitypub.signing_auth import SigningAuth
from node.clock import Clock, SystemClock
from node.config import Settings
from node.errors import StorageError
from node.federation.inbox_limits import InboxRateLimit
from node.federation.key_fetches import CONNECT_SECONDS, DEADLINE, TOTAL, KeyFetches
from node.federation.normalizing import Normalizer
from node.media.processing import Processor
from node.metrics import Metrics
from node.storage import actors, wakeups
from node.storage.caches import KeyCache, OpenInboxes, PolicyCache
from node.storage.db import Database
from node.storage.inbox_items import Backlog
from node.storage.inbox_writer import ActorQuota, InboxWriter
from node.storage.media_store import LocalMediaStore, MediaStore
from node.storage.wakeups import Wakeups
from node.urls import Urls

if TYPE_CHECKING:
    from node.activitypub.jsonld import JsonLdProcessor
    from node.federation.peer_instances import PeerInstances


@dataclass
class Runtime:
    settings: Settings
    db: Database
    urls: Urls
    clock: Clock
    http: httpx.AsyncClient
    key_http: httpx.AsyncClient | None = None  # the key-fetch budget's own pool
    custom_transport: bool = False
    _fetcher: SafeClient | None = None
    _key_fetches: KeyFetches | None = None
    _jsonld: JsonLdProcessor | None = None
    wake_worker: Callable[[], None] = field(init=False)  # deliveries were stored
    wake_inbox: Callable[[], None] = field(init=False)  # inbox items were stored
    wakeups: Wakeups = field(init=False)
    inbox_backlog: Backlog = field(init=False)
    inbox_writer: InboxWriter = field(init=False)
    policy: PolicyCache = field(init=False)
    inbox_limits: InboxRateLimit = field(init=False)
    keys: KeyCache = field(init=False)
    open_inboxes: OpenInboxes = field(init=False)
    media_store: MediaStore = field(init=False)
    media_processor: Processor = field(init=False)
    metrics: Metrics = field(init=False)  # this process's Prometheus metrics
    normalizer: Normalizer = field(init=False)
    _peer_instances: PeerInstances | None = None
    _signer: SigningAuth | None = None

    def __post_init__(self) -> None:
        settings = self.settings
        self.wakeups = wakeups.for_database(self.db.url, self.db.engine)
        # other processes' lanes hear of what this one stores; node.runner.attach adds the
        # lanes of this process's own worker, if it runs one
        self.wake_worker = lambda: self.wakeups.tell(wakeups.DELIVERIES)
        self.wake_inbox = lambda: self.wakeups.tell(wakeups.INBOX)
        self.metrics = Metrics(settings.metrics_host_labels)
        self.inbox_backlog = Backlog(
            settings.inbox_queue_limit, self.clock, settings.inbox_host_limit
        )
        quota = ActorQuota(settings.inbox_actor_quota, self.clock)
        self.inbox_writer = InboxWriter(self.db.engine, quota)
        self.policy = PolicyCache(self.db.transaction, self.clock)
        self.inbox_limits = InboxRateLimit(self.settings.inbox_rate_limit_per_hour, self.clock)
        self.keys = KeyCache()
        self.open_inboxes = OpenInboxes(self.db.transaction, self.clock)
        self.media_store = LocalMediaStore(self.settings.media_path)
        self.media_processor = Processor(self.settings.media)
        self.normalizer = Normalizer()

    @property
    def fetcher(self) -> SafeClient:
        """Outgoing requests, GETs signed by the instance actor; available after start()."""
        if self._fetcher is None:
            raise StorageError("the node was not started: call Runtime.start() first")
        return self._fetcher

    @property
    def key_fetches(self) -> KeyFetches:
        """Fetches of keys that unauthenticated requests name, on a budget of their own;
        available after start()."""
        if self._key_fetches is None:
            raise StorageError("the node was not started: call Runtime.start() first")
        return self._key_fetches

    @property
    def signer(self) -> SigningAuth:
        """The instance actor's request signer; available after start()."""
        if self._signer is None:
            raise StorageError("the node was not started: call Runtime.start() first")
        return self._signer

    @property
    def jsonld(self) -> JsonLdProcessor:
        """Built at first use, so that pyld (and the lxml it imports) is loaded only once an
        activity arrives, not by every process that merely starts."""
        if self._jsonld is None:
            from node.activitypub.jsonld import JsonLdProcessor

            self._jsonld = JsonLdProcessor()
        return self._jsonld

    @property
    def peer_instances(self) -> PeerInstances:
        """Other servers' instance actors as this node found them (federation.peer_instances)."""
        if self._peer_instances is None:
            from node.federation.peer_instances import PeerInstances

            self._peer_instances = PeerInstances(self.clock)
        return self._peer_instances

    def safe_client(self, signer: httpx.Auth | None = None) -> SafeClient:
        return SafeClient(
            self.http,
            user_agent=self.settings.user_agent,
            limits=self.settings.fetch,
            allow_private_addresses=self.settings.allow_private_addresses,
            signer=signer,
            clock=self.clock,
        )

    async def start(self) -> None:
        """Checks the database, loads the organisations kept at /orgs/ into `urls` (a set fixed
        since the migration that made /users/ the layout) and the instance actor's key."""
        await self.db.check()
        async with self.db.transaction() as session:
            instance = await actors.instance_actor(session)
            legacy = await actors.legacy_path_names(session)
        self.urls = replace(self.urls, legacy_names=legacy)
        signer = self._signer = SigningAuth(
            self.urls.key_id(self.urls.instance_actor),
            load_own_private_key(instance.private_key_pem),
            self.clock,
        )
        self._fetcher = self.safe_client(signer)
        self._key_fetches = KeyFetches(self.key_budget_client(signer), self.clock)

    def key_budget_client(self, signer: httpx.Auth) -> SafeClient:
        if self.key_http is None:
            self.key_http = make_http_client(self.settings, key_fetches=True)
        limits = self.settings.fetch
        return SafeClient(
            self.key_http,
            user_agent=self.settings.user_agent,
            limits=replace(limits, connect_timeout=min(limits.connect_timeout, CONNECT_SECONDS)),
            allow_private_addresses=self.settings.allow_private_addresses,
            signer=signer,
            clock=self.clock,
            deadline=DEADLINE,
        )

    async def close(self) -> None:
        if self._key_fetches is not None:
            await self._key_fetches.aclose()  # before the pool and database they use
        await self.inbox_writer.close()
        self.normalizer.close()
        self.wakeups.close()
        await self.http.aclose()
        if self.key_http is not None:
            await self.key_http.aclose()
        await self.db.close()


def make_http_client(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    key_fetches: bool = False,
) -> httpx.AsyncClient:
    """One pooled client per process; keep-alive connections are reused across requests. The
    key-fetch budget gets a small pool of its own (key_fetches)."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)
    if key_fetches:
        limits = httpx.Limits(max_connections=TOTAL, max_keepalive_connections=4)
    timeout = httpx.Timeout(
        connect=settings.fetch.connect_timeout,
        read=settings.fetch.read_timeout,
        write=settings.fetch.read_timeout,
        pool=settings.fetch.connect_timeout,
    )
    verify: ssl.SSLContext | bool = True
    if settings.ca_file:
        verify = ssl.create_default_context(cafile=str(settings.ca_file))
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(
        transport=transport,
        trust_env=False,  # the address guard checks the peer itself: no proxy from the env
        cookies=no_cookies,
        limits=limits,
        timeout=timeout,
        verify=verify,
        follow_redirects=False,
        headers={"User-Agent": settings.user_agent},
    )


def make_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Runtime:
    return Runtime(
        settings=settings,
        db=Database(settings.database_url),
        urls=Urls(settings.base_url),
        clock=clock or SystemClock(),
        http=make_http_client(settings, transport),
        key_http=make_http_client(settings, transport, key_fetches=True) if transport else None,
        custom_transport=transport is not None,
    )
