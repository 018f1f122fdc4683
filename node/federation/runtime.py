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
from node.activitypub.keys import load_private_key
from node.activitypub.signing_auth import SigningAuth
from node.clock import Clock, SystemClock
from node.config import Settings
from node.errors import StorageError
from node.storage import actors
from node.storage.caches import DomainBlocks, KeyCache, OpenInboxes
from node.storage.db import Database
from node.storage.inbox_items import Backlog
from node.storage.inbox_writer import InboxWriter
from node.urls import Urls

if TYPE_CHECKING:
    from node.activitypub.jsonld import JsonLdProcessor


@dataclass
class Runtime:
    settings: Settings
    db: Database
    urls: Urls
    clock: Clock
    http: httpx.AsyncClient
    custom_transport: bool = False
    _fetcher: SafeClient | None = None
    _jsonld: JsonLdProcessor | None = None
    wake_worker: Callable[[], None] = field(default=lambda: None)
    inbox_backlog: Backlog = field(init=False)
    inbox_writer: InboxWriter = field(init=False)
    domain_blocks: DomainBlocks = field(init=False)
    keys: KeyCache = field(init=False)
    open_inboxes: OpenInboxes = field(init=False)

    def __post_init__(self) -> None:
        self.inbox_backlog = Backlog(self.settings.inbox_queue_limit, self.clock)
        self.inbox_writer = InboxWriter(self.db.engine)
        self.domain_blocks = DomainBlocks(self.db.transaction, self.clock)
        self.keys = KeyCache()
        self.open_inboxes = OpenInboxes(self.db.transaction, self.clock)

    @property
    def fetcher(self) -> SafeClient:
        """Outgoing requests, GETs signed by the instance actor; available after start()."""
        if self._fetcher is None:
            raise StorageError("the node was not started: call Runtime.start() first")
        return self._fetcher

    @property
    def jsonld(self) -> JsonLdProcessor:
        """Built at first use, so that pyld (and the lxml it imports) is loaded only once an
        activity arrives, not by every process that merely starts."""
        if self._jsonld is None:
            from node.activitypub.jsonld import JsonLdProcessor

            self._jsonld = JsonLdProcessor()
        return self._jsonld

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
        signer = SigningAuth(
            self.urls.key_id(self.urls.instance_actor),
            load_private_key(instance.private_key_pem),
            self.clock,
        )
        self._fetcher = self.safe_client(signer)

    async def close(self) -> None:
        await self.inbox_writer.close()
        await self.http.aclose()
        await self.db.close()


def make_http_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """One pooled client per process; keep-alive connections are reused across requests."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)
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
        custom_transport=transport is not None,
    )
