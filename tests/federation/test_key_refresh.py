"""Bad signatures naming a known key make the node fetch that key again at most once a
minute: a forger cannot turn the node into a fetcher of someone else's actor document."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from node.federation.key_fetches import REFRESH_EVERY
from node.federation.runtime import Runtime
from tests.support.peers import Peer, PeerHost, post_as, serve_peer
from tests.support.router import HostRouter

INBOX = "https://node.test/inbox"


@pytest.fixture
def remote(router: HostRouter) -> PeerHost:
    return serve_peer(router, "remote.test")


def like(actor: str, n: int, target: str) -> dict[str, str]:
    return {"id": f"{actor}/likes/{n}", "type": "Like", "actor": actor, "object": target}


async def test_a_known_key_is_fetched_again_at_most_once_a_minute(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost
) -> None:
    bob = remote.actor("bob")
    first = await post_as(client, bob, INBOX, like(bob.iri, 0, alpha), node.clock.now())
    assert first.status_code == 202, first.text
    assert remote.gets.count(bob.iri) == 1
    other_keys = remote.actor("mallory").keys
    forger = Peer(bob.iri, other_keys)  # claims bob's key id, signs with another key
    for n in range(1, 6):
        forged = await post_as(client, forger, INBOX, like(bob.iri, n, alpha), node.clock.now())
        assert forged.status_code == 401
    assert remote.gets.count(bob.iri) == 2  # fetched again once, to see if bob rotated his key
    node.clock.advance(REFRESH_EVERY + timedelta(seconds=1))
    forged = await post_as(client, forger, INBOX, like(bob.iri, 9, alpha), node.clock.now())
    assert forged.status_code == 401
    assert remote.gets.count(bob.iri) == 3
