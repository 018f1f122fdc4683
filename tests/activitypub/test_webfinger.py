"""WebFinger: handle and resource parsing, JRD/XRD building, and resolve() against two loopback
servers (uvicorn) standing for a handle domain and an actor host.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from xml.etree import ElementTree

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.activitypub.fetch import SafeClient
from node.activitypub.webfinger import (
    JRD_ACCEPT,
    build_host_meta,
    build_jrd,
    parse_handle,
    parse_resource,
    resolve,
)
from node.config import FetchLimits
from node.errors import FetchRefused, FetchStatus, Gone, InvalidInput, WebFingerError
from tests.support.servers import serve

on_loopback = pytest.mark.asyncio(loop_scope="module")
LIMITS = FetchLimits(connect_timeout=1.0, read_timeout=1.0, max_bytes=65536)
LD_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
XRD_NS = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"

# ---------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("@alice@node.example", ("alice", "node.example")),
        ("alice@node.example", ("alice", "node.example")),
        ("acct:alice@node.example", ("alice", "node.example")),
        ("ACCT:@Alice_1@Node.Example", ("Alice_1", "node.example")),
        ("  al.ice-x@node.example:8443 ", ("al.ice-x", "node.example:8443")),
        ("alice@127.0.0.1:8080", ("alice", "127.0.0.1:8080")),
        ("alice@[::1]:8080", ("alice", "[::1]:8080")),
        ("alice@bücher.example", ("alice", "xn--bcher-kva.example")),
    ],
)
def test_parse_handle(handle: str, expected: tuple[str, str]) -> None:
    assert parse_handle(handle) == expected


@pytest.mark.parametrize(
    "handle",
    [
        "",
        "alice",
        "@alice",
        "alice@",
        "@node.example",
        "@@node.example",
        "alice@@node.example",
        "alice@node.example@other.example",
        "al ice@node.example",
        "alice@node example",
        "alice@node.example:99999",
        "alice@node.example:port",
        "alice@node.example/path",
        "alice@node.example?x=1",
        "alice@-bad.example",
        "alice@bad_host.example",
        "alice@https://node.example",
        "acct:",
        "alice@::1",
    ],
)
def test_parse_handle_rejects_garbage(handle: str) -> None:
    with pytest.raises(InvalidInput):
        parse_handle(handle)


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("acct:alice@node.example", ("acct", "alice", "node.example")),
        ("acct%3Aalice%40node.example", ("acct", "alice", "node.example")),
        ("ACCT%3aalice%40node.example%3A8443", ("acct", "alice", "node.example:8443")),
        ("acct:@alice@node.example", ("acct", "alice", "node.example")),
        ("@alice@node.example", ("acct", "alice", "node.example")),
        ("alice@node.example", ("acct", "alice", "node.example")),
        ("https://node.example/users/alice", ("url", "https://node.example/users/alice")),
        ("https%3A%2F%2Fnode.example%2F%40alice", ("url", "https://node.example/@alice")),
        ("http://node.example/users/a%20b", ("url", "http://node.example/users/a%20b")),
    ],
)
def test_parse_resource(resource: str, expected: tuple[str, ...]) -> None:
    assert parse_resource(resource) == expected


@pytest.mark.parametrize(
    "resource",
    [
        "",
        "acct:",
        "acct:alice",
        "acct:alice@",
        "acct%3Aalice",
        "mailto:alice@node.example",
        "javascript:alert(1)",
        "https://",
        "https://user@node.example/",
        "ftp://node.example/alice",
        "%",
    ],
)
def test_parse_resource_rejects_garbage(resource: str) -> None:
    with pytest.raises(InvalidInput):
        parse_resource(resource)


def test_build_jrd_has_mastodons_full_shape() -> None:
    jrd = build_jrd(
        "acct:alice@node.example",
        "https://node.example/users/alice",
        "https://node.example/@alice",
        subscribe_template="https://node.example/authorize_interaction?uri={uri}",
    )
    assert jrd == {
        "subject": "acct:alice@node.example",
        "aliases": ["https://node.example/@alice", "https://node.example/users/alice"],
        "links": [
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": "https://node.example/@alice",
            },
            {
                "rel": "self",
                "type": "application/activity+json",
                "href": "https://node.example/users/alice",
            },
            {
                "rel": "http://ostatus.org/schema/1.0/subscribe",
                "template": "https://node.example/authorize_interaction?uri={uri}",
            },
        ],
    }


def test_build_jrd_minimal_and_explicit_aliases() -> None:
    actor = "https://node.example/actor"
    assert build_jrd("acct:node.example@node.example", actor, aliases=[actor, actor]) == {
        "subject": "acct:node.example@node.example",
        "aliases": [actor],
        "links": [{"rel": "self", "type": "application/activity+json", "href": actor}],
    }


def test_build_host_meta_points_lrdd_at_webfinger() -> None:
    root = ElementTree.fromstring(build_host_meta("https://node.example"))
    link = root.find(f"{XRD_NS}Link")
    assert link is not None
    assert link.attrib == {
        "rel": "lrdd",
        "template": "https://node.example/.well-known/webfinger?resource={uri}",
    }


# ---------------------------------------------------------------- loopback peers


@dataclass
class Peer:
    """A WebFinger server whose answers each test sets."""

    base: str = ""
    jrds: dict[str, object] = field(default_factory=dict)
    status: int = 200
    host_meta: str | None = None
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.base.removeprefix("http://")

    def reset(self) -> Peer:
        self.jrds, self.status, self.host_meta, self.seen = {}, 200, None, []
        return self

    def app(self) -> Starlette:
        async def webfinger(request: Request) -> Response:
            self.record(request)
            if self.status != 200:
                return Response(status_code=self.status)
            return self.jrd(request.query_params.get("resource", ""))

        async def lrdd(request: Request) -> Response:
            self.record(request)
            return self.jrd(request.query_params.get("resource", ""))

        async def host_meta(request: Request) -> Response:
            self.record(request)
            if self.host_meta is None:
                return Response(status_code=404)
            return Response(self.host_meta, media_type="application/xrd+xml")

        return Starlette(
            routes=[
                Route("/.well-known/webfinger", webfinger),
                Route("/.well-known/host-meta", host_meta),
                Route("/lrdd", lrdd),
            ]
        )

    def record(self, request: Request) -> None:
        query = request.scope["query_string"].decode()
        self.seen.append((request.url.path, query, request.headers.get("accept", "")))

    def jrd(self, resource: str) -> Response:
        answer = self.jrds.get(resource)
        if answer is None:
            return Response(status_code=404)
        if isinstance(answer, int):
            return Response(status_code=answer)
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return Response(text, media_type="application/jrd+json")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def peers() -> AsyncIterator[tuple[Peer, Peer]]:
    first, second = Peer(), Peer()
    async with (
        serve(first.app(), log_level="error") as first.base,
        serve(second.app(), log_level="error") as second.base,
    ):
        yield first, second


@pytest.fixture
def a(peers: tuple[Peer, Peer]) -> Peer:
    return peers[0].reset()


@pytest.fixture
def b(peers: tuple[Peer, Peer]) -> Peer:
    return peers[1].reset()


@pytest_asyncio.fixture(loop_scope="module")
async def client() -> AsyncIterator[SafeClient]:
    async with httpx.AsyncClient() as http:
        yield SafeClient(http, user_agent="test/1", limits=LIMITS, allow_private_addresses=True)


def jrd_for(peer: Peer, name: str, actor: str, subject: str | None = None) -> None:
    resource = f"acct:{name}@{peer.host}"
    peer.jrds[resource] = build_jrd(subject or resource, actor, f"{peer.base}/@{name}")


# ---------------------------------------------------------------- resolve


@on_loopback
@pytest.mark.parametrize("form", ["@alice@{host}", "alice@{host}", "acct:alice@{host}"])
async def test_resolve_returns_the_actor_of_the_self_link(
    client: SafeClient, a: Peer, form: str
) -> None:
    jrd_for(a, "alice", f"{a.base}/users/alice")
    assert await resolve(client, form.format(host=a.host)) == f"{a.base}/users/alice"
    # The https attempt fails at the TLS level (plain-http test server); http is asked once.
    assert a.seen == [("/.well-known/webfinger", f"resource=acct:alice@{a.host}", JRD_ACCEPT)]


@on_loopback
async def test_resolve_chooses_the_self_link_with_an_as2_type(client: SafeClient, a: Peer) -> None:
    a.jrds[f"acct:alice@{a.host}"] = {
        "subject": f"acct:alice@{a.host}",
        "links": [
            {"rel": "self", "type": "text/html", "href": f"{a.base}/@alice"},
            {"rel": "alternate", "type": "application/activity+json", "href": f"{a.base}/x"},
            {"rel": "self", "type": LD_PROFILE, "href": f"{a.base}/users/alice"},
        ],
    }
    assert await resolve(client, f"alice@{a.host}") == f"{a.base}/users/alice"


@on_loopback
@pytest.mark.parametrize(
    "answer",
    [
        {"subject": "acct:alice@x", "links": [{"rel": "self", "type": "text/html", "href": "h"}]},
        {"subject": "acct:alice@x", "links": "nope"},
        {"links": [{"rel": "self", "type": "application/activity+json", "href": "ftp://x/"}]},
        "not json",
        "[1, 2]",
    ],
)
async def test_unusable_jrds_are_webfinger_errors(
    client: SafeClient, a: Peer, answer: object
) -> None:
    a.jrds[f"acct:alice@{a.host}"] = answer
    with pytest.raises(WebFingerError):
        await resolve(client, f"alice@{a.host}")


@on_loopback
async def test_subject_on_another_host_is_confirmed_by_that_host(
    client: SafeClient, a: Peer, b: Peer
) -> None:
    actor = f"{b.base}/users/alice"
    jrd_for(a, "alice", actor, subject=f"acct:alice@{b.host}")
    jrd_for(b, "alice", actor)
    assert await resolve(client, f"alice@{a.host}") == actor
    assert [query for _, query, _ in b.seen] == [f"resource=acct:alice@{b.host}"]


@on_loopback
async def test_subject_differing_only_in_case_needs_no_second_query(
    client: SafeClient, a: Peer, b: Peer
) -> None:
    jrd_for(a, "alice", f"{a.base}/users/alice", subject=f"ACCT:Alice@{a.host}")
    assert await resolve(client, f"alice@{a.host}") == f"{a.base}/users/alice"
    assert len(a.seen) == 1


@on_loopback
async def test_subject_whose_host_names_another_actor_is_refused(
    client: SafeClient, a: Peer, b: Peer
) -> None:
    jrd_for(a, "alice", f"{a.base}/users/alice", subject=f"acct:alice@{b.host}")
    jrd_for(b, "alice", f"{b.base}/users/alice")
    with pytest.raises(WebFingerError, match="names another actor"):
        await resolve(client, f"alice@{a.host}")


@on_loopback
async def test_subject_redirecting_twice_is_refused(client: SafeClient, a: Peer, b: Peer) -> None:
    actor = f"{b.base}/users/alice"
    jrd_for(a, "alice", actor, subject=f"acct:alice@{b.host}")
    jrd_for(b, "alice", actor, subject=f"acct:alice@{a.host}")
    with pytest.raises(WebFingerError, match="redirects again"):
        await resolve(client, f"alice@{a.host}")


@on_loopback
async def test_subject_that_is_not_an_acct_is_refused(client: SafeClient, a: Peer) -> None:
    jrd_for(a, "alice", f"{a.base}/users/alice", subject=f"{a.base}/users/alice")
    with pytest.raises(WebFingerError, match="unusable subject"):
        await resolve(client, f"alice@{a.host}")


def lrdd_xrd(peer: Peer) -> str:
    return (
        '<?xml version="1.0"?><XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">'
        f'<Link rel="lrdd" template="{peer.base}/lrdd?resource={{uri}}"/>'
        "</XRD>"
    )


@on_loopback
async def test_404_falls_back_once_to_the_host_meta_lrdd_template(
    client: SafeClient, a: Peer
) -> None:
    a.status = 404
    a.host_meta = lrdd_xrd(a)
    jrd_for(a, "alice", f"{a.base}/users/alice")
    assert await resolve(client, f"alice@{a.host}") == f"{a.base}/users/alice"
    assert [path for path, _, _ in a.seen] == [
        "/.well-known/webfinger",
        "/.well-known/host-meta",
        "/lrdd",
    ]
    assert a.seen[2][1] == f"resource=acct:alice@{a.host}"


@on_loopback
@pytest.mark.parametrize(
    ("host_meta", "lrdd_answer", "error", "match"),
    [
        (None, None, WebFingerError, "no WebFinger, no host-meta"),
        ("lrdd", None, WebFingerError, "not found"),
        ("lrdd", 410, Gone, "gone"),
        ("<XRD><Link rel='lrdd'/></XRD>", None, WebFingerError, "no lrdd template"),
        ("<not xml", None, WebFingerError, "not XML"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><XRD/>', None, WebFingerError, "DTD"),
    ],
)
async def test_host_meta_fallback_failures(
    client: SafeClient,
    a: Peer,
    host_meta: str | None,
    lrdd_answer: int | None,
    error: type[Exception],
    match: str,
) -> None:
    a.status = 404
    a.host_meta = lrdd_xrd(a) if host_meta == "lrdd" else host_meta
    if lrdd_answer is not None:
        a.jrds[f"acct:alice@{a.host}"] = lrdd_answer
    with pytest.raises(error, match=match):
        await resolve(client, f"alice@{a.host}")


@on_loopback
async def test_410_means_gone(client: SafeClient, a: Peer) -> None:
    a.status = 410
    with pytest.raises(Gone):
        await resolve(client, f"alice@{a.host}")
    assert len(a.seen) == 1


@on_loopback
async def test_other_statuses_propagate_as_fetch_status(client: SafeClient, a: Peer) -> None:
    a.status = 503
    with pytest.raises(FetchStatus) as caught:
        await resolve(client, f"alice@{a.host}")
    assert caught.value.status == 503


@on_loopback
async def test_without_private_addresses_there_is_no_http_fallback(a: Peer) -> None:
    jrd_for(a, "alice", f"{a.base}/users/alice")
    async with httpx.AsyncClient() as http:
        client = SafeClient(http, user_agent="test/1", limits=LIMITS)
        with pytest.raises(FetchRefused):
            await resolve(client, f"alice@{a.host}")
    assert a.seen == []


@on_loopback
async def test_garbage_handles_fail_before_any_request(client: SafeClient, a: Peer) -> None:
    with pytest.raises(InvalidInput):
        await resolve(client, f"alice@@{a.host}")
    assert a.seen == []
