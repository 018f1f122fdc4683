"""SafeClient against real loopback servers (uvicorn, or raw asyncio where a server must misbehave).

Guard tests run with allow_private_addresses=False and never reach a non-loopback address:
they are refused before sending, or a MockTransport captures the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from node.activitypub.fetch import (
    AS2_ACCEPT,
    Resolver,
    SafeClient,
    is_public_address,
    parse_ip_literal,
    parse_retry_after,
)
from node.clock import FrozenClock
from node.config import FetchLimits
from node.errors import (
    FetchError,
    FetchRefused,
    FetchStatus,
    FetchTimeout,
    FetchTooLarge,
    JsonLdError,
    OriginMismatch,
)
from tests.support.servers import serve

AS2 = "application/activity+json"
UA = "solidarity-node-test/1 (+https://node.test/)"
# Globally routable, never contacted: only a MockTransport or a lying resolver ever sees it.
PUBLIC_IP = "93.184.215.14"
HTTP_DATE = "Sat, 21 Nov 2026 12:05:00 GMT"
FAST = FetchLimits(connect_timeout=1.0, read_timeout=1.0, max_bytes=4096, max_redirects=3)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# ---------------------------------------------------------------- servers


RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: RawHandler) -> AsyncIterator[int]:
    """A bare TCP server on 127.0.0.1 for misbehaviour; yields its port."""
    tasks: set[asyncio.Task[None]] = set()

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(run, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


@dataclass
class Seen:
    requests: list[tuple[str, str, httpx.Headers, bytes]] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.requests]


def as2(document: object, media_type: str = AS2, status: int = 200) -> Response:
    return Response(json.dumps(document), status_code=status, media_type=media_type)


def make_app(seen: Seen) -> Starlette:
    """Routes for the well-behaved and the easily-misbehaved cases."""

    async def record(request: Request) -> str:
        body = await request.body()
        seen.requests.append(
            (request.method, request.url.path, httpx.Headers(request.headers), body)
        )
        return str(request.url)

    async def actor(request: Request) -> Response:
        url = await record(request)
        kind = request.query_params.get("type", AS2)
        return as2({"id": url, "type": "Organization"}, media_type=kind)

    async def claim(request: Request) -> Response:
        await record(request)
        return as2({"id": request.query_params["id"], "type": "Note"})

    async def body(request: Request) -> Response:
        await record(request)
        return Response(request.query_params["text"], media_type=AS2)

    async def redirect(request: Request) -> Response:
        url = await record(request)
        hops = int(request.path_params["hops"])
        if hops == 0:
            return as2({"id": url, "type": "Note"})
        return RedirectResponse(f"../redirect/{hops - 1}", status_code=302)

    async def redirect_to(request: Request) -> Response:
        await record(request)
        return RedirectResponse(request.query_params["url"], status_code=301)

    async def status(request: Request) -> Response:
        await record(request)
        code = int(request.path_params["code"])
        headers = (
            {"Retry-After": request.query_params["retry"]}
            if "retry" in request.query_params
            else {}
        )
        return Response("x" * 5000, status_code=code, headers=headers)

    async def inbox(request: Request) -> Response:
        await record(request)
        return Response("queued", status_code=202)

    return Starlette(
        routes=[
            Route("/actor", actor),
            Route("/claim", claim),
            Route("/body", body),
            Route("/redirect/{hops}", redirect),
            Route("/redirect-to", redirect_to, methods=["GET", "POST"]),
            Route("/status/{code}", status, methods=["GET", "POST"]),
            Route("/inbox", inbox, methods=["POST"]),
        ]
    )


def with_query(address: str, /, **params: str) -> str:
    return str(httpx.URL(address, params=params))


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def loopback() -> AsyncIterator[tuple[str, Seen]]:
    """One uvicorn server for the module: starting and stopping one costs ~0.2 s."""
    seen = Seen()
    async with serve(make_app(seen)) as url:
        yield url, seen


@pytest.fixture
def seen(loopback: tuple[str, Seen]) -> Seen:
    loopback[1].requests.clear()
    return loopback[1]


@pytest.fixture
def base(loopback: tuple[str, Seen], seen: Seen) -> str:
    return loopback[0]


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def local(http: httpx.AsyncClient, **kwargs: object) -> SafeClient:
    """A SafeClient for loopback servers: private addresses allowed, small limits."""
    options: dict[str, object] = {"limits": FAST, "allow_private_addresses": True} | kwargs
    return SafeClient(http, user_agent=UA, **options)  # type: ignore[arg-type]


class HeaderAuth(httpx.Auth):
    """Stands in for the HTTP-signature auth: marks each request it signs."""

    def __init__(self, name: str) -> None:
        self.name = name

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Signature"] = f"keyId={self.name}"
        yield request


# ---------------------------------------------------------------- get_json


async def test_get_json_returns_the_document_and_sends_as2_headers(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    fetched = await local(http).get_json(f"{base}/actor")
    assert fetched.url == f"{base}/actor"
    assert fetched.document == {"id": f"{base}/actor", "type": "Organization"}
    assert fetched.content_type.startswith(AS2)
    headers = seen.requests[0][2]
    assert headers["accept"] == AS2_ACCEPT
    assert headers["user-agent"] == UA
    assert "signature" not in headers


async def test_get_json_signs_with_the_instance_signer_unless_given_auth(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    client = local(http, signer=HeaderAuth("instance"))
    await client.get_json(f"{base}/actor")
    await client.get_json(f"{base}/actor", auth=HeaderAuth("alice"))
    assert [h["signature"] for _, _, h, _ in seen.requests] == ["keyId=instance", "keyId=alice"]


@pytest.mark.parametrize(
    "media_type",
    ['application/ld+json; profile="https://www.w3.org/ns/activitystreams"', "application/ld+json"],
)
async def test_json_ld_media_types_are_accepted(
    http: httpx.AsyncClient, base: str, media_type: str
) -> None:
    fetched = await local(http).get_json(with_query(f"{base}/actor", type=media_type))
    assert fetched.content_type == media_type


@pytest.mark.parametrize("media_type", ["application/json", "text/html", "text/plain"])
async def test_other_media_types_are_refused(
    http: httpx.AsyncClient, base: str, media_type: str
) -> None:
    with pytest.raises(JsonLdError, match="not AS2"):
        await local(http).get_json(with_query(f"{base}/actor", type=media_type))


@pytest.mark.parametrize("text", ["[1, 2]", "not json", '"a string"', "[" * 5000])
async def test_body_must_be_a_json_object(http: httpx.AsyncClient, base: str, text: str) -> None:
    client = local(http, limits=FetchLimits(connect_timeout=1.0, read_timeout=1.0))
    with pytest.raises(JsonLdError, match=r"not JSON|not an object"):
        await client.get_json(with_query(f"{base}/body", text=text))


async def test_document_without_id_is_refused(http: httpx.AsyncClient, base: str) -> None:
    with pytest.raises(JsonLdError, match="no string id"):
        await local(http).get_json(with_query(f"{base}/body", text='{"type": "Note"}'))


@pytest.mark.parametrize(
    "claimed",
    ["https://evil.example/actor", "http://127.0.0.1:1/actor", "https://127.0.0.1/actor", "/rel"],
)
async def test_id_on_another_origin_is_refused(
    http: httpx.AsyncClient, base: str, claimed: str
) -> None:
    with pytest.raises(OriginMismatch, match="another origin"):
        await local(http).get_json(with_query(f"{base}/claim", id=claimed))


async def test_relative_redirects_are_followed_up_to_the_limit(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    fetched = await local(http).get_json(f"{base}/redirect/3")
    assert fetched.url == f"{base}/redirect/0"
    assert seen.paths == ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"]


async def test_more_redirects_than_the_limit_fail(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    with pytest.raises(FetchError, match="more than 3 redirects"):
        await local(http).get_json(f"{base}/redirect/4")
    assert len(seen.requests) == 4


async def test_id_must_match_the_origin_reached_after_redirects(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    async with serve(make_app(seen)) as other:
        # The document on `other` claims an id on `base`, where the fetch started.
        claim = with_query(f"{other}/claim", id=f"{base}/actor")
        with pytest.raises(OriginMismatch):
            await local(http).get_json(with_query(f"{base}/redirect-to", url=claim))
    assert seen.paths == ["/redirect-to", "/claim"]


@pytest.mark.parametrize("code", [404, 410, 401, 500])
async def test_non_success_status_raises_fetch_status(
    http: httpx.AsyncClient, base: str, code: int
) -> None:
    with pytest.raises(FetchStatus) as caught:
        await local(http).get_json(f"{base}/status/{code}")
    assert caught.value.status == code
    assert caught.value.retry_after is None


async def test_retry_after_is_parsed_from_seconds_and_dates(
    http: httpx.AsyncClient, base: str
) -> None:
    clock = FrozenClock(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    client = local(http, clock=clock)
    with pytest.raises(FetchStatus) as seconds:
        await client.get_json(f"{base}/status/429?retry=120")
    with pytest.raises(FetchStatus) as date:
        await client.get_json(with_query(f"{base}/status/503", retry=HTTP_DATE))
    assert (seconds.value.retry_after, date.value.retry_after) == (120.0, 300.0)


# ---------------------------------------------------------------- limits on misbehaving servers


async def test_declared_length_over_the_limit_is_refused_before_reading(
    http: httpx.AsyncClient,
) -> None:
    async def announce_huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n")
        writer.write(b"Content-Length: 50000000\r\n\r\n{")
        await writer.drain()
        await asyncio.Event().wait()  # never sends the body: reading it would time out

    async with raw_server(announce_huge) as port:
        with pytest.raises(FetchTooLarge, match="declares 50000000 bytes"):
            await local(http).get_json(f"http://127.0.0.1:{port}/actor")


async def test_streamed_body_over_the_limit_is_aborted(http: httpx.AsyncClient) -> None:
    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n")
        writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
        while True:
            writer.write(b"400\r\n" + b" " * 1024 + b"\r\n")
            await writer.drain()

    async with raw_server(endless) as port:
        with pytest.raises(FetchTooLarge, match="body over 4096 bytes"):
            await local(http).get_json(f"http://127.0.0.1:{port}/actor")


async def test_silent_server_hits_the_read_timeout(http: httpx.AsyncClient) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        await asyncio.Event().wait()

    limits = FetchLimits(connect_timeout=1.0, read_timeout=0.2)
    async with raw_server(silent) as port:
        with pytest.raises(FetchTimeout, match="ReadTimeout"):
            await local(http, limits=limits).get_json(f"http://127.0.0.1:{port}/actor")


async def test_dripping_server_hits_the_whole_exchange_deadline(http: httpx.AsyncClient) -> None:
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n")
        writer.write(b"Content-Length: 4000\r\n\r\n")
        while True:  # slow on purpose: each byte beats the read timeout, the sum does not
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.05)

    limits = FetchLimits(connect_timeout=1.0, read_timeout=0.5)
    async with raw_server(drip) as port:
        client = local(http, limits=limits, deadline=0.4)
        with pytest.raises(FetchTimeout, match=r"within 0\.4 s"):
            await client.get_json(f"http://127.0.0.1:{port}/actor")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_refused_connection_is_a_fetch_error(http: httpx.AsyncClient) -> None:
    with pytest.raises(FetchError, match="ConnectError") as caught:
        await local(http).get_json(f"http://127.0.0.1:{closed_port()}/actor")
    assert type(caught.value) is FetchError


# ---------------------------------------------------------------- get and post


async def test_get_returns_any_body_under_the_same_limits(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    fetched = await local(http).get(f"{base}/redirect-to?url=/body?text=hello", accept="text/x")
    assert (fetched.url, fetched.status, fetched.body) == (f"{base}/body?text=hello", 200, b"hello")
    assert seen.requests[1][2]["accept"] == "text/x"
    with pytest.raises(FetchStatus):
        await local(http).get(f"{base}/status/404", accept="text/x")


async def test_post_sends_body_and_headers_and_returns_the_status(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    result = await local(http).post(
        f"{base}/inbox", b'{"type": "Follow"}', headers={"X-Test": "1"}, auth=HeaderAuth("alice")
    )
    assert (result.status, result.ok, result.body, result.retry_after) == (
        202,
        True,
        "queued",
        None,
    )
    method, _, headers, body = seen.requests[0]
    assert (method, body) == ("POST", b'{"type": "Follow"}')
    assert headers["content-type"] == AS2
    assert (headers["x-test"], headers["signature"], headers["user-agent"]) == (
        "1",
        "keyId=alice",
        UA,
    )


async def test_post_keeps_a_given_content_type(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    await local(http).post(f"{base}/inbox", b"{}", headers={"content-type": ld}, auth=None)
    assert seen.requests[0][2].get_list("content-type") == [ld]


async def test_post_neither_follows_redirects_nor_raises_for_status(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    client = local(http)
    moved = await client.post(f"{base}/redirect-to?url=/inbox", b"{}", headers={}, auth=None)
    failed = await client.post(f"{base}/status/503?retry=30", b"{}", headers={}, auth=None)
    assert (moved.status, moved.ok) == (301, False)
    assert (failed.status, failed.retry_after, failed.body) == (503, 30.0, "x" * 2048)
    assert seen.paths == ["/redirect-to", "/status/503"]


async def test_post_transport_failure_raises(http: httpx.AsyncClient) -> None:
    with pytest.raises(FetchError, match="ConnectError"):
        await local(http).post(
            f"http://127.0.0.1:{closed_port()}/inbox", b"{}", headers={}, auth=None
        )


async def test_in_process_apps_on_test_hosts_work_when_private_addresses_are_allowed(
    seen: Seen,
) -> None:
    mounts = {"http://a.test": httpx.ASGITransport(make_app(seen))}
    async with httpx.AsyncClient(mounts=mounts) as http:
        fetched = await local(http).get_json("http://a.test/actor")
    assert fetched.document["id"] == "http://a.test/actor"


# ---------------------------------------------------------------- the address guard


def fake_resolver(table: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


def never_sent(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the guard let {request.url} through")


@pytest_asyncio.fixture(loop_scope="module")
async def guarded_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(never_sent)) as client:
        yield client


def guarded(http: httpx.AsyncClient, table: dict[str, list[str]] | None = None) -> SafeClient:
    return SafeClient(http, user_agent=UA, limits=FAST, resolver=fake_resolver(table or {}))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.8.9.10:8080/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://167772161/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[2002:7f00:1::1]/",
        "http://[64:ff9b::a00:1]/",
        "https://203.0.113.5/",
    ],
)
async def test_non_public_ip_literals_are_refused_before_sending(
    guarded_http: httpx.AsyncClient, url: str
) -> None:
    client = guarded(guarded_http)
    with pytest.raises(FetchRefused, match="non-public address"):
        await client.get_json(url)
    with pytest.raises(FetchRefused, match="non-public address"):
        await client.post(url, b"{}", headers={}, auth=None)


@pytest.mark.parametrize(
    "url",
    ["ftp://a.example/", "file:///etc/passwd", "gopher://a.example/", "http://user:pw@a.example/"],
)
async def test_bad_schemes_and_credentials_are_refused_even_locally(
    guarded_http: httpx.AsyncClient, url: str
) -> None:
    client = SafeClient(guarded_http, user_agent=UA, allow_private_addresses=True)
    with pytest.raises(FetchRefused):
        await client.get_json(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://0177.0.0.1/", "not a valid URL"),
        ("http://[not-an-ip/", "not a valid host"),
        ("http://a_b%00.example/", "not a valid host"),
        ("http:///path", "no host"),
    ],
)
async def test_unusable_urls_are_refused(
    guarded_http: httpx.AsyncClient, url: str, reason: str
) -> None:
    with pytest.raises(FetchRefused, match=reason):
        await guarded(guarded_http).get_json(url)


async def test_localhost_is_refused_through_the_system_resolver(
    guarded_http: httpx.AsyncClient,
) -> None:
    client = SafeClient(guarded_http, user_agent=UA, limits=FAST)
    with pytest.raises(FetchRefused, match="localhost is the non-public address"):
        await client.get_json("http://localhost:8080/actor")


async def test_a_real_loopback_server_receives_nothing(
    http: httpx.AsyncClient, base: str, seen: Seen
) -> None:
    with pytest.raises(FetchRefused):
        await SafeClient(http, user_agent=UA, limits=FAST).get_json(f"{base}/actor")
    assert seen.requests == []


@pytest.mark.parametrize(
    "addresses",
    [["10.0.0.7"], ["fd00::7"], [PUBLIC_IP, "192.168.0.10"], ["2606:2800:21f::1", "::1"]],
)
async def test_names_resolving_to_any_private_address_are_refused(
    guarded_http: httpx.AsyncClient, addresses: list[str]
) -> None:
    client = guarded(guarded_http, {"intranet.example": addresses})
    with pytest.raises(FetchRefused, match=r"intranet\.example is the non-public address"):
        await client.get_json("https://intranet.example/actor")


@pytest.mark.parametrize("table", [{}, {"void.example": []}, {"void.example": ["bogus"]}])
async def test_unresolvable_names_are_fetch_errors(
    guarded_http: httpx.AsyncClient, table: dict[str, list[str]]
) -> None:
    with pytest.raises(FetchError) as caught:
        await guarded(guarded_http, table).get_json("https://void.example/actor")
    assert type(caught.value) is FetchError


async def test_public_names_are_sent_unchanged_with_a_peer_check() -> None:
    captured: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json={"id": str(request.url)}, headers={"content-type": AS2})

    async with httpx.AsyncClient(transport=httpx.MockTransport(capture)) as http:
        client = guarded(http, {"pub.example": [PUBLIC_IP, "2606:2800:21f::1"]})
        await client.get_json("https://pub.example/users/alice")
    request = captured[0]
    assert str(request.url) == "https://pub.example/users/alice"
    assert request.headers["host"] == "pub.example"
    assert callable(request.extensions["trace"])
    assert request.extensions["timeout"] == {"connect": 1.0, "read": 1.0, "write": 1.0, "pool": 1.0}


@pytest.mark.parametrize(
    "location", ["http://169.254.169.254/latest/meta-data/", "http://[::1]/", "file:///etc/passwd"]
)
async def test_each_redirect_hop_is_checked(location: str) -> None:
    captured: list[httpx.Request] = []

    def redirect(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(302, headers={"location": location})

    async with httpx.AsyncClient(transport=httpx.MockTransport(redirect)) as http:
        with pytest.raises(FetchRefused):
            await guarded(http, {"pub.example": [PUBLIC_IP]}).get_json("https://pub.example/a")
    assert [str(r.url) for r in captured] == ["https://pub.example/a"]


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_dns_rebinding_is_caught_at_connect_before_any_byte_is_sent(
    http: httpx.AsyncClient, scheme: str
) -> None:
    """The resolver says public; the connection lands on loopback; nothing is written to it."""
    received = bytearray()
    finished = asyncio.Event()

    async def listen(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.extend(await reader.read())
        finished.set()

    async with raw_server(listen) as port:
        client = guarded(http, {"localhost": [PUBLIC_IP]})
        with pytest.raises(FetchRefused, match="connected to non-public address"):
            await client.get_json(f"{scheme}://localhost:{port}/actor")
        await asyncio.wait_for(finished.wait(), timeout=1.0)
    assert bytes(received) == b""


# ---------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("address", "public"),
    [
        (PUBLIC_IP, True),
        ("2606:2800:21f::1", True),
        ("::ffff:93.184.215.14", True),
        ("64:ff9b::5db8:d70e", True),
        ("2002:5db8:d70e::1", True),
        ("203.0.113.5", False),
        ("100.127.255.255", False),
        ("::ffff:169.254.169.254", False),
        ("2001::1", False),
        ("fec0::1", False),
        ("2001:db8::1", False),
        ("::127.0.0.1", False),
    ],
)
async def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("::1", "::1"),
        ("fe80::1%25eth0", "fe80::1"),
        ("example.com", None),
        ("cafe", None),
        ("1.2.3.4.5", None),
    ],
)
async def test_parse_ip_literal(host: str, expected: str | None) -> None:
    found = parse_ip_literal(host)
    assert (str(found) if found else None) == expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sat, 21 Nov 2026 12:01:00 GMT", 60.0),
        ("Sat, 21 Nov 2026 11:00:00 GMT", 0.0),
        ("-5", None),
        ("soon", None),
        (None, None),
    ],
)
async def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, datetime(2026, 11, 21, 12, 0, tzinfo=UTC)) == seconds
