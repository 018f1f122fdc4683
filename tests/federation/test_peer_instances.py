"""The instance-actor read rule: a server's instance actor may fetch a non-public object for
its users only when this node itself found that actor for exactly that origin (NodeInfo's
FEP-2677 link, else an Application at /actor), never because an actor calls itself an
Application or Service, nor from another port or scheme of the same host."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from node.federation.runtime import Runtime
from node.solidarity import organisations, publishing, validation
from tests.support.peers import Peer, PeerHost, serve_peer, signed_get_headers
from tests.support.router import HostRouter


@pytest.fixture
def remote(router: HostRouter) -> PeerHost:
    return serve_peer(router, "remote.test")


async def direct_call(node: Runtime, remote: PeerHost) -> str:
    remote.actor("bob")
    deadline = (node.clock.now() + timedelta(days=1)).isoformat()
    body = {
        "title": "Quiet",
        "content": "Room 4. @bob@remote.test",
        "deadline": deadline,
        "visibility": "direct",
    }
    org = await organisations.get(node.db, "alpha")
    return (await publishing.publish(node, org, validation.call(body, node.clock.now()))).iri


async def read_as(client: httpx.AsyncClient, node: Runtime, peer: Peer, url: str) -> int:
    headers = signed_get_headers(peer.key_id, peer.keys.private_pem, url, node.clock.now())
    return (await client.get(url, headers=headers)).status_code


async def test_only_the_instance_actor_the_node_found_reads_for_its_origin(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost, router: HostRouter
) -> None:
    iri = await direct_call(node, remote)
    instance = remote.instance_actor()  # advertised in remote.test's NodeInfo
    bot = remote.actor("bot", type="Service")
    impostor = remote.actor("impostor", type="Application", path="/users/impostor")
    other_port = serve_peer(router, "remote.test:8443").instance_actor()
    assert await read_as(client, node, instance, iri) == 200
    assert await read_as(client, node, bot, iri) == 404
    assert await read_as(client, node, impostor, iri) == 404
    assert await read_as(client, node, other_port, iri) == 404
    assert await read_as(client, node, remote.actors[f"{remote.base}/users/bob"], iri) == 200


@pytest.mark.parametrize("serves_nodeinfo", [True, False])
async def test_without_nodeinfo_an_application_at_actor_speaks_for_its_origin(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost, serves_nodeinfo: bool
) -> None:
    remote.serves_nodeinfo = serves_nodeinfo  # with no Application link, or none at all
    iri = await direct_call(node, remote)
    mastodon_style = remote.instance_actor(advertised=False)
    assert remote.instance is None
    assert await read_as(client, node, mastodon_style, iri) == 200
    elsewhere = remote.actor("app", type="Application", path="/apps/actor")
    assert await read_as(client, node, elsewhere, iri) == 404


async def test_the_nodeinfo_link_wins_over_the_conventional_path(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost
) -> None:
    iri = await direct_call(node, remote)
    conventional = remote.instance_actor(advertised=False)
    remote.instance = remote.actor("relay", type="Application", path="/relay")
    assert await read_as(client, node, conventional, iri) == 404
    assert await read_as(client, node, remote.instance, iri) == 200
