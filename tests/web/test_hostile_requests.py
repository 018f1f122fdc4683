"""Generated hostile input against the reading routes, WebFinger and the API (Hypothesis):
paths, query strings, headers and JSON bodies must get a clear answer below 500, without a
traceback, signed or not, with a token or without."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.federation.runtime import Runtime
from node.solidarity import organisations
from tests.support.actors import RemoteHost, hosted
from tests.support.hostile import HOSTILE_STRINGS, json_values, query_strings, segments
from tests.support.peers import signed_get_headers
from tests.support.router import HostRouter

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
BOB = "https://remote.test/users/bob"
READING = [
    "/orgs/{0}",
    "/orgs/{0}/{1}",
    "/orgs/alpha/{0}",
    "/@{0}",
    "/calls/{0}",
    "/calls/{0}/{1}",
    "/strategies/{0}/replies",
    "/notes/{0}/likes",
    "/actor",
    "/actor/outbox",
    "/nodeinfo/{0}",
    "/.well-known/{0}",
    "/authorize_interaction",
    "/{0}",
    "/{0}/{1}/{2}",
]
ACCEPTS = ["application/activity+json", "text/html", "application/ld+json", "*/*", "", "x/y"]
API_ROUTES = [
    ("GET", "/organisation"),
    ("PATCH", "/organisation"),
    ("GET", "/timeline"),
    ("GET", "/search"),
    ("POST", "/follows"),
    ("DELETE", "/follows/{0}"),
    ("POST", "/followers/{0}"),
    ("POST", "/calls"),
    ("POST", "/strategies"),
    ("PATCH", "/calls/{0}"),
    ("DELETE", "/strategies/{0}"),
    ("POST", "/calls/{0}/pin"),
    ("GET", "/calls/{0}/responses"),
    ("POST", "/calls/{0}/pledges"),
    ("GET", "/calls/{0}/cascade"),
    ("POST", "/calls/{0}/amplify"),
    ("POST", "/allies"),
    ("DELETE", "/allies/{0}"),
    ("POST", "/amplifications/{0}/{1}"),
    ("GET", "/tokens"),
    ("POST", "/tokens"),
    ("DELETE", "/tokens/{0}"),
]
call_like = st.fixed_dictionaries(
    {},
    optional={
        name: json_values | st.sampled_from(HOSTILE_STRINGS)
        for name in (
            "title",
            "content",
            "summary",
            "deadline",
            "urgency",
            "visibility",
            "regions",
            "themes",
            "actions",
            "language",
            "max_hops",
            "target",
            "actor",
            "amplify",
            "display_name",
            "hide_follows",
            "label",
            "expires_in_days",
        )
    },
)


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    host = hosted(router, "remote.test")
    host.actor("bob")
    return host


def clear(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text


@given(
    route=st.sampled_from(READING),
    parts=st.lists(segments, min_size=3, max_size=3),
    query=query_strings,
    accept=st.sampled_from(ACCEPTS),
    signed=st.booleans(),
)
async def test_reading_routes(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    remote: RemoteHost,
    route: str,
    parts: list[str],
    query: list[tuple[str, str]],
    accept: str,
    signed: bool,
) -> None:
    url = node.urls.base + route.format(*parts) + ("?" + urlencode(query) if query else "")
    headers = {"Accept": accept}
    if signed:
        bob = remote.actor("bob")
        headers = signed_get_headers(
            bob.key_id, bob.keys.private_pem, url, node.clock.now(), accept
        )
    clear(await client.get(url, headers=headers))


@given(resource=st.text(max_size=80) | st.sampled_from(HOSTILE_STRINGS) | segments)
async def test_webfinger(client: httpx.AsyncClient, alpha: str, resource: str) -> None:
    clear(await client.get("/.well-known/webfinger", params={"resource": resource}))
    unencoded = quote(resource, safe=":@/%?&=+;,")  # as Mastodon sends it, bar control bytes
    clear(await client.get(f"/.well-known/webfinger?resource={unencoded}"))


@given(
    route=st.sampled_from(API_ROUTES),
    parts=st.lists(segments, min_size=2, max_size=2),
    query=query_strings,
    body=call_like | json_values,
    authorised=st.booleans(),
)
async def test_api(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    route: tuple[str, str],
    parts: list[str],
    query: list[tuple[str, str]],
    body: Any,
    authorised: bool,
) -> None:
    method, path = route
    token = await organisations.create_token(node.db, node.clock, "alpha")
    headers = {"Authorization": f"Bearer {token}"} if authorised else {}
    url = "/api/v1" + path.format(*parts) + ("?" + urlencode(query) if query else "")
    content = None if method in ("GET", "DELETE") else httpx.Request("POST", "/", json=body).content
    clear(await client.request(method, url, headers=headers, content=content))
