"""`solidarity-node check`: what an admin needs to know before (and while) a node is public.

Configuration; the database (answers, migrated); keys (every local actor's key pair signs and
verifies); the base URL from outside (through DNS, TLS and the proxy: /healthz must report the
Host the node was asked for, and /actor must carry this database's instance key, so the request
reached this node with its Host unchanged); clock skew against the database server, the proxy
and any peers named. Each finding is ok, a warning, or a failure.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text

from node.activitypub.keys import (
    default_algorithm,
    load_private_key,
    load_public_key,
    sign_bytes,
    verify_bytes,
)
from node.clock import Clock
from node.config import Settings
from node.errors import SolidarityError
from node.storage import actors
from node.storage.db import Database
from node.urls import Urls

SKEW_WARN = timedelta(seconds=2)
SKEW_FAIL = timedelta(seconds=15)  # past a third of a short lease, workers' clocks disagree
HTTP_SKEW_SLACK = timedelta(seconds=1)  # an HTTP Date has whole seconds
TIMEOUT = 10.0
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    name: str
    level: Level
    detail: str


def configuration(settings: Settings) -> list[Finding]:
    engine = "SQLite" if settings.database_url.startswith("sqlite") else "PostgreSQL"
    found = [
        Finding(
            "configuration",
            Level.OK,
            f"{settings.base_url}, {engine}, data in {settings.data_dir}, "
            f"logs as {settings.log_format}",
        )
    ]
    hostname = urlsplit(settings.base_url).hostname or ""
    if settings.base_url.startswith("http://") and hostname not in LOCAL_HOSTS:
        detail = "the base URL is plain http: other servers require https"
        found.append(Finding("configuration", Level.WARN, detail))
    if settings.allow_private_addresses:
        detail = "allow_private_addresses is on: for local testing only (SSRF guard off)"
        found.append(Finding("configuration", Level.WARN, detail))
    return found


async def database(db: Database, clock: Clock) -> list[Finding]:
    try:
        await db.check()
    except SolidarityError as exc:
        return [Finding("database", Level.FAIL, str(exc))]
    found = [Finding("database", Level.OK, f"{db.dialect} answers and is migrated")]
    if db.dialect == "postgresql":
        before = clock.now()
        async with db.transaction() as session:
            theirs = await session.scalar(text("SELECT now()"))
        assert isinstance(theirs, datetime)
        found.append(skew("clock (database server)", before, clock.now(), theirs, timedelta(0)))
    return found


async def keys(db: Database) -> Finding:
    async with db.transaction() as session:
        if not await actors.has_instance_actor(session):
            return Finding("keys", Level.FAIL, "no instance actor: run 'solidarity-node init'")
        every = [await actors.instance_actor(session), *await actors.list_organisations(session)]
    broken = [actor.username for actor in every if not key_pair_works(actor)]
    if broken:
        return Finding("keys", Level.FAIL, f"key pairs that do not match: {', '.join(broken)}")
    return Finding("keys", Level.OK, f"{len(every)} actors' keys sign and verify")


def key_pair_works(actor: actors.LocalActor) -> bool:
    try:
        private = load_private_key(actor.private_key_pem)
        public = load_public_key(actor.public_key_pem)
        algorithm = default_algorithm(private)
        proof = sign_bytes(private, algorithm, b"solidarity-node check")
        return verify_bytes(public, algorithm, b"solidarity-node check", proof)
    except (SolidarityError, ValueError):
        return False


def client(settings: Settings) -> httpx.AsyncClient:
    verify: ssl.SSLContext | bool = True
    if settings.ca_file:
        verify = ssl.create_default_context(cafile=str(settings.ca_file))
    headers = {"User-Agent": settings.user_agent}
    return httpx.AsyncClient(
        verify=verify, timeout=TIMEOUT, trust_env=False, headers=headers, follow_redirects=False
    )


async def reachable(settings: Settings, db: Database, clock: Clock) -> list[Finding]:
    """The node as the world sees it at its base URL, and the clock of what answers there."""
    urls = Urls(settings.base_url)
    async with db.transaction() as session:
        instance = await actors.instance_actor(session)
    async with client(settings) as http:
        try:
            before = clock.now()
            health = await http.get(f"{settings.base_url}/healthz")
            after = clock.now()
            accept = {"Accept": "application/activity+json"}
            actor = await http.get(urls.instance_actor, headers=accept)
        except httpx.HTTPError as exc:
            detail = f"{settings.base_url} cannot be reached: {type(exc).__name__}: {exc}"
            return [Finding("base URL", Level.FAIL, detail)]
    found = [answered(settings, health, actor, instance.public_key_pem)]
    date = http_date(health)
    if date is not None:
        found.append(skew("clock (base URL)", before, after, date, HTTP_SKEW_SLACK))
    return found


def answered(
    settings: Settings, health: httpx.Response, actor: httpx.Response, public_key_pem: str
) -> Finding:
    url = settings.base_url
    if health.status_code != 200:
        return Finding("base URL", Level.FAIL, f"{url}/healthz answered {health.status_code}")
    seen = str(json_field(health, "host"))
    if seen != settings.host:
        detail = f"the node saw Host {seen!r}, not {settings.host!r}: pass Host through unchanged"
        return Finding("base URL", Level.FAIL, detail)
    if actor.status_code != 200:
        return Finding("base URL", Level.FAIL, f"{url}/actor answered {actor.status_code}")
    key = json_field(actor, "publicKey")
    if not isinstance(key, dict) or key.get("publicKeyPem") != public_key_pem:
        detail = f"{url}/actor does not carry this database's key: another node answers there"
        return Finding("base URL", Level.FAIL, detail)
    return Finding("base URL", Level.OK, f"{url} reaches this node with Host {seen}")


def json_field(response: httpx.Response, name: str) -> object:
    """A field of a JSON object answer; None when the answer is no such thing."""
    try:
        document = response.json()
    except ValueError:
        return None
    return document.get(name) if isinstance(document, dict) else None


async def peer_clock(settings: Settings, peer: str, clock: Clock) -> Finding:
    name = f"clock ({peer})"
    async with client(settings) as http:
        try:
            before = clock.now()
            response = await http.head(peer)
            after = clock.now()
        except httpx.HTTPError as exc:
            return Finding(name, Level.WARN, f"cannot be reached: {type(exc).__name__}")
    date = http_date(response)
    if date is None:
        return Finding(name, Level.WARN, "its answer has no Date header")
    return skew(name, before, after, date, HTTP_SKEW_SLACK)


def http_date(response: httpx.Response) -> datetime | None:
    try:
        return parsedate_to_datetime(response.headers["date"])
    except (KeyError, TypeError, ValueError):
        return None


def skew(
    name: str, before: datetime, after: datetime, theirs: datetime, slack: timedelta
) -> Finding:
    """Their clock against ours at the middle of the exchange, less what rounding allows."""
    ours = before + (after - before) / 2
    off = theirs - ours
    size = max(abs(off) - slack - (after - before) / 2, timedelta(0))
    detail = f"{off.total_seconds():+.1f} s"
    if size >= SKEW_FAIL:
        return Finding(name, Level.FAIL, f"{detail}: set the time with NTP (systemd-timesyncd)")
    if size >= SKEW_WARN:
        return Finding(name, Level.WARN, f"{detail}: check NTP")
    return Finding(name, Level.OK, detail)
