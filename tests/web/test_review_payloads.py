"""The security review's 5xx payloads, each as it was sent: unauthenticated (or merely signed)
input must get a clear 4xx, never a 500 or a traceback."""

from __future__ import annotations

import json

import httpx
import pytest

from node.federation.runtime import Runtime
from tests.support.actors import RemoteHost, hosted, post_signed, signed_headers
from tests.support.router import HostRouter

INBOX = "https://node.test/inbox"


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")


def assert_clear_4xx(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text
    assert "error" in response.json()


async def test_an_unparseable_ipv6_id_is_a_400(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    activity = {"id": "http://[::1", "type": "Like", "actor": bob.iri, "object": alpha}
    assert_clear_4xx(await post_signed(client, bob, INBOX, activity, node.clock.now()))
    for key_id in ("http://[::1", "https://[::1]:99999/key"):
        headers = signed_headers(bob, INBOX, b"{}", node.clock.now())
        headers["Signature"] = headers["Signature"].replace(bob.key_id, key_id)
        body = json.dumps({"id": f"{bob.iri}/x", "type": "Like", "actor": bob.iri}).encode()
        assert_clear_4xx(await client.post(INBOX, content=body, headers=headers))


async def test_very_deep_json_is_a_400(client: httpx.AsyncClient, alpha: str) -> None:
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    headers = {"Content-Type": "application/activity+json"}
    response = await client.post(INBOX, content=body[:1_000_000], headers=headers)
    assert_clear_4xx(response)
    deep = b"[" * 200_000 + b"]" * 200_000
    assert_clear_4xx(await client.post(INBOX, content=deep, headers=headers))


async def test_a_non_ascii_page_number_is_a_400(client: httpx.AsyncClient, alpha: str) -> None:
    for path in ("/users/alpha/outbox", "/users/alpha/followers", "/actor/outbox"):
        for page in ("²", "٣", "1e3", "-1", " 1"):
            assert_clear_4xx(await client.get(path, params={"page": page}))


async def test_a_date_in_year_9999_is_a_401(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    activity = {"id": f"{bob.iri}/likes/1", "type": "Like", "actor": bob.iri, "object": alpha}
    for date in ("Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT"):
        response = await post_signed(client, bob, INBOX, activity, node.clock.now(), Date=date)
        assert response.status_code == 401, response.text
        assert_clear_4xx(response)
