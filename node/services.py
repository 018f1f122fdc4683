"""What a running node holds for its lifetime: settings, database, clock, HTTP client, JSON-LD.

Built by create_app() or the CLI; nothing here is a module global.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx

from node.clock import Clock, SystemClock
from node.config import Settings
from node.storage.db import Database
from node.urls import Urls


@dataclass
class Services:
    settings: Settings
    db: Database
    urls: Urls
    clock: Clock
    http: httpx.AsyncClient

    async def close(self) -> None:
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
    return httpx.AsyncClient(
        transport=transport,
        limits=limits,
        timeout=timeout,
        verify=verify,
        follow_redirects=False,
        headers={"User-Agent": settings.user_agent},
    )


def make_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Services:
    return Services(
        settings=settings,
        db=Database(settings.database_url),
        urls=Urls(settings.base_url),
        clock=clock or SystemClock(),
        http=make_http_client(settings, transport),
    )
