"""Every outgoing HTTP request: SSRF guard, time, size and redirect limits, node.errors only.

FetchRefused (nothing sent: scheme, credentials, non-public address) | FetchTimeout (DNS, connect,
read, whole-exchange deadline) | FetchTooLarge | FetchError (DNS, connection, > max_redirects) |
FetchStatus (non-2xx GET; POST returns it) | get_json: JsonLdError (type, body, id), OriginMismatch.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import json
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from node.clock import Clock, SystemClock
from node.config import FetchLimits, Settings
from node.errors import (
    FetchDropped,
    FetchError,
    FetchRefused,
    FetchStatus,
    FetchTimeout,
    FetchTooLarge,
    JsonLdError,
    OriginMismatch,
)

AS2_MEDIA_TYPE = "application/activity+json"
AS2_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
POST_EXCERPT_BYTES = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
TraceHook = Callable[[str, dict[str, Any]], Awaitable[None]]

# The longest any exchange may take in the current task and those it starts (see deadline_within)
_SHORTER_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "shorter_deadline", default=None
)

_SHARED_V4 = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LEGACY_V4 = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)
_HOSTNAME = re.compile(r"[a-z0-9_.-]+")


@dataclass(frozen=True)
class FetchedDocument:
    """An AS2 document whose `id` is on the origin of `url`, the URL finally fetched."""

    url: str
    document: dict[str, Any]
    content_type: str


@dataclass(frozen=True)
class FetchedBody:
    url: str
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class PostResult:
    status: int
    retry_after: float | None
    body: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def is_activitypub_media_type(content_type: object) -> bool:
    """application/activity+json, or application/ld+json with any or no profile.

    Plain application/json is refused, as Mastodon does: servers also serve uploads that way.
    """
    if not isinstance(content_type, str):
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime in (AS2_MEDIA_TYPE, "application/ld+json")


def is_public_address(ip: IPAddress) -> bool:
    """True for globally routable unicast; embedded v4 (mapped, 6to4, NAT64) is judged as v4."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if ip.is_site_local:
            return False
    elif ip in _SHARED_V4:
        return False
    special = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    return ip.is_global and not (special or ip.is_multicast or ip.is_reserved)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host denotes literally, including inet_aton forms (2130706433, 0x7f.1)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _LEGACY_V4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


@contextmanager
def deadline_within(seconds: float) -> Iterator[None]:
    """Bound every exchange made in this block (and in tasks started from it) to `seconds`,
    or the client's own deadline when that is shorter: the worker's fetches use it, so an item
    waiting on a host that never answers gives its place up soon."""
    token = _SHORTER_DEADLINE.set(seconds)
    try:
        yield
    finally:
        _SHORTER_DEADLINE.reset(token)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait, from delta-seconds or an HTTP-date; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    def origin(url: httpx.URL) -> tuple[str, str, int | None]:
        return (url.scheme, url.host, url.port or DEFAULT_PORTS.get(url.scheme))

    return origin(a) == origin(b)


class SafeClient:
    """Wraps the app's one httpx.AsyncClient; every outgoing request of the node goes through it.

    Address guard: the host's addresses (all of them) must be public before anything is sent.
    DNS rebinding is defeated without rewriting URLs: an httpcore `trace` hook checks the peer
    address of every new TCP connection before a byte (or TLS ClientHello) goes out, and closes
    it otherwise. So the URL, Host header, SNI, certificate check, signatures (which sign the
    URL's host) and the pool (keyed by host, never by shared IP) stay as for any request.
    Consequences: behind a proxy the peer checked is the proxy's (refused if private); auth
    flows must reuse the request they are given (HTTP signatures do). With
    allow_private_addresses nothing is checked or changed: tests mount ASGI apps on *.test.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        user_agent: str,
        limits: FetchLimits | None = None,
        allow_private_addresses: bool = False,
        signer: httpx.Auth | None = None,
        resolver: Resolver = system_resolver,
        clock: Clock | None = None,
        deadline: float | None = None,
    ) -> None:
        self._client = client
        self._user_agent = user_agent
        self._limits = limits or FetchLimits()
        self.allow_private_addresses = allow_private_addresses
        self._signer = signer
        self._resolver = resolver
        self._clock: Clock = clock or SystemClock()
        connect, read = self._limits.connect_timeout, self._limits.read_timeout
        # Mastodon bounds a whole exchange at 30 s; ours scales with the limits (35 s by default).
        self._deadline = deadline if deadline is not None else connect + 3 * read
        self._timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)

    @classmethod
    def from_settings(
        cls,
        client: httpx.AsyncClient,
        settings: Settings,
        *,
        signer: httpx.Auth | None = None,
        clock: Clock | None = None,
    ) -> SafeClient:
        return cls(
            client,
            user_agent=settings.user_agent,
            limits=settings.fetch,
            allow_private_addresses=settings.allow_private_addresses,
            signer=signer,
            clock=clock,
        )

    @property
    def signer(self) -> httpx.Auth | None:
        """The instance actor's signer: signs every GET, also those servers need not check
        (WebFinger), so that a node limiting whom it answers knows who asks."""
        return self._signer

    async def get_json(self, url: str, *, auth: httpx.Auth | None = None) -> FetchedDocument:
        """GET an AS2 document, signed with `auth` or else the instance signer."""
        async with self._exchange(url), self._open_get(url, AS2_ACCEPT, auth or self._signer) as r:
            content_type = r.headers.get("content-type", "")
            if not is_activitypub_media_type(content_type):
                raise JsonLdError(f"{r.url}: Content-Type {content_type!r} is not AS2")
            body = await self._read_capped(r)
            final = r.url
        document = _json_object(str(final), body)
        _check_id_origin(final, document)
        return FetchedDocument(str(final), document, content_type)

    async def get(
        self,
        url: str,
        *,
        accept: str,
        auth: httpx.Auth | None = None,
        max_bytes: int | None = None,
    ) -> FetchedBody:
        """GET any document (JRD, XRD, NodeInfo, media) under the same limits, unsigned unless
        `auth`; `max_bytes` replaces the size limit (media are larger than documents)."""
        async with self._exchange(url), self._open_get(url, accept, auth) as response:
            body = await self._read_capped(response, max_bytes)
        content_type = response.headers.get("content-type", "")
        return FetchedBody(str(response.url), response.status_code, content_type, body)

    async def post(
        self, url: str, body: bytes, *, headers: Mapping[str, str], auth: httpx.Auth | None
    ) -> PostResult:
        """POST once, no redirects; any HTTP status is a result, only transport failures raise."""
        merged = httpx.Headers(headers)
        merged.setdefault("Content-Type", AS2_MEDIA_TYPE)
        async with self._exchange(url):
            target = _parse_url(url)
            response = await self._send("POST", target, merged, body, auth)
            try:
                excerpt = await _read_excerpt(response)
            finally:
                await response.aclose()
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock.now())
        return PostResult(response.status_code, retry_after, excerpt)

    @asynccontextmanager
    async def _exchange(self, url: str) -> AsyncIterator[None]:
        """Map transport failures to FetchError and bound the whole exchange in time."""
        shorter = _SHORTER_DEADLINE.get()
        deadline = self._deadline if shorter is None else min(shorter, self._deadline)
        try:
            async with asyncio.timeout(deadline):
                yield
        except TimeoutError as exc:
            raise FetchTimeout(url, f"no complete answer within {deadline:g} s") from exc
        except httpx.TimeoutException as exc:
            raise FetchTimeout(url, f"timed out ({type(exc).__name__})") from exc
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchRefused(url, f"unusable URL: {exc}") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise FetchDropped(url, f"{type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc

    @asynccontextmanager
    async def _open_get(
        self, url: str, accept: str, auth: httpx.Auth | None
    ) -> AsyncIterator[httpx.Response]:
        """Follow up to max_redirects by hand, guarding each hop; yield a 2xx streaming response."""
        target = _parse_url(url)
        for _hop in range(self._limits.max_redirects + 1):
            response = await self._send(
                "GET", target, httpx.Headers({"Accept": accept}), None, auth
            )
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                await response.aclose()
                target = response.url.join(location)
                continue
            try:
                if not response.is_success:
                    raise self._status_error(response)
                yield response
            finally:
                await response.aclose()
            return
        raise FetchError(url, f"more than {self._limits.max_redirects} redirects")

    async def _send(
        self,
        method: str,
        url: httpx.URL,
        headers: httpx.Headers,
        content: bytes | None,
        auth: httpx.Auth | None,
    ) -> httpx.Response:
        await self._check_address(url)
        headers["User-Agent"] = self._user_agent
        extensions: dict[str, Any] = {}
        if not self.allow_private_addresses:
            extensions["trace"] = _peer_guard(str(url))
        request = self._client.build_request(
            method,
            url,
            headers=headers,
            content=content,
            timeout=self._timeout,
            extensions=extensions,
        )
        return await self._client.send(request, auth=auth, stream=True, follow_redirects=False)

    async def _check_address(self, url: httpx.URL) -> None:
        if url.scheme not in DEFAULT_PORTS:
            raise FetchRefused(str(url), f"scheme {url.scheme!r} is not http or https")
        if not url.host:
            raise FetchRefused(str(url), "no host")
        if url.userinfo:
            raise FetchRefused(str(url), "credentials in the URL")
        if self.allow_private_addresses:
            return
        literal = parse_ip_literal(url.host)
        if literal is None and not _HOSTNAME.fullmatch(url.host):
            raise FetchRefused(str(url), f"{url.host!r} is not a valid host")
        addresses = [literal] if literal else await self._resolve(url)
        for address in addresses:
            if not is_public_address(address):
                raise FetchRefused(str(url), f"{url.host} is the non-public address {address}")

    async def _resolve(self, url: httpx.URL) -> list[IPAddress]:
        port = url.port or DEFAULT_PORTS[url.scheme]
        try:
            async with asyncio.timeout(self._limits.connect_timeout):
                found = await self._resolver(url.host, port)
        except TimeoutError as exc:
            raise FetchTimeout(str(url), f"DNS lookup of {url.host} timed out") from exc
        except OSError as exc:
            raise FetchError(str(url), f"cannot resolve {url.host}: {exc}") from exc
        addresses = [parse_ip_literal(text) for text in found]
        if not addresses or None in addresses:
            raise FetchError(str(url), f"{url.host} resolved to {list(found)!r}")
        return [a for a in addresses if a is not None]

    async def _read_capped(self, response: httpx.Response, limit: int | None = None) -> bytes:
        limit = limit or self._limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchTooLarge(str(response.url), f"declares {declared} bytes, limit {limit}")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                raise FetchTooLarge(str(response.url), f"body over {limit} bytes")
        return bytes(body)

    def _status_error(self, response: httpx.Response) -> FetchStatus:
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock.now())
        return FetchStatus(str(response.url), response.status_code, retry_after)


def _peer_guard(url: str) -> TraceHook:
    """An httpcore trace hook refusing a fresh connection whose peer is not public."""

    async def hook(event: str, info: dict[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info["return_value"]
        peer = stream.get_extra_info("server_addr")
        address = parse_ip_literal(str(peer[0])) if isinstance(peer, tuple) and peer else None
        if address is None or not is_public_address(address):
            await stream.aclose()
            raise FetchRefused(url, f"connected to non-public address {peer!r}")

    return hook


def _parse_url(url: str) -> httpx.URL:
    try:
        return httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchRefused(url, f"not a valid URL: {exc}") from exc


async def _read_excerpt(response: httpx.Response) -> str:
    excerpt = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            excerpt += chunk
            if len(excerpt) >= POST_EXCERPT_BYTES:
                break
    except httpx.HTTPError:
        # The status line already arrived and is what delivery acts on; keep the partial body.
        pass
    return excerpt[:POST_EXCERPT_BYTES].decode("utf-8", errors="replace")


def _json_object(url: str, body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise JsonLdError(f"{url}: body is not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise JsonLdError(f"{url}: body is JSON but not an object")
    return value


def _check_id_origin(final: httpx.URL, document: dict[str, Any]) -> None:
    doc_id = document.get("id")
    if not isinstance(doc_id, str):
        raise JsonLdError(f"{final}: document has no string id")
    try:
        id_url = httpx.URL(doc_id)
    except httpx.InvalidURL as exc:
        raise JsonLdError(f"{final}: id {doc_id!r} is not a URL") from exc
    if not same_origin(id_url, final):
        raise OriginMismatch(f"{final}: document id {doc_id} is on another origin")
