"""What an unauthenticated sender is told says what was wrong with its request, never what the
network looks like: a keyId naming an internal host or address gets the same answer as any
key that could not be fetched (the review saw internal hostnames resolved in inbox errors)."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from node.config import Settings
from node.federation.runtime import Runtime
from tests.support.actors import RemoteHost, hosted, signed_headers
from tests.support.router import HostRouter

INBOX = "https://node.test/inbox"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, allow_private_addresses=False)


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")


@pytest.mark.parametrize(
    "key_id",
    [
        "http://localhost:5432/users/x#key",
        "http://127.0.0.1/users/x#key",
        "http://[::1]:8080/users/x#key",
        "http://10.1.2.3/users/x#key",
        "https://no-such-host.invalid/users/x#key",
        "ftp://remote.test/users/x#key",
    ],
)
async def test_key_failures_say_nothing_of_the_network(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost, key_id: str
) -> None:
    bob = remote.actor("bob")
    body = json.dumps({"id": f"{bob.iri}/l/1", "type": "Like", "actor": bob.iri, "object": alpha})
    headers = signed_headers(bob, INBOX, body.encode(), node.clock.now())
    headers["Signature"] = headers["Signature"].replace(bob.key_id, key_id)
    answer = await client.post(INBOX, content=body, headers=headers)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error == f"no usable key could be fetched from {key_id}"
