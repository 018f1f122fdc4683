"""Follow, accept, unfollow, key rotation and a receiver that is down: three full nodes in one
process, over httpx transports (signatures, inboxes and delivery rows all real)."""

from __future__ import annotations

from datetime import timedelta

from node.solidarity import organisations
from node.storage import actors, deliveries, remote_actors
from tests.support.network import Network


async def test_follow_is_accepted_and_listed_on_both_sides(network: Network) -> None:
    a = await network.add("a")
    b = await network.add("b")
    alpha = await a.add_org("alpha")
    beta = await b.add_org("beta")
    response = await a.api("POST", "/follows", "alpha", json={"target": b.handle("beta")})
    assert response.status_code == 202, response.text
    assert response.json()["state"] == "pending"
    assert response.json()["target"] == beta
    await network.settle()
    follows = (await a.api("GET", "/follows", "alpha")).json()["follows"]
    assert [(f["target"], f["state"]) for f in follows] == [(beta, "accepted")]
    followers = (await b.api("GET", "/followers", "beta")).json()["followers"]
    assert [(f["actor"], f["state"]) for f in followers] == [(alpha, "accepted")]
    collection = (await b.client.get("/users/beta/followers")).json()
    assert collection["totalItems"] == 1
    following = (await a.client.get("/users/alpha/following")).json()
    assert following["totalItems"] == 1


async def test_unfollow_removes_the_follower(network: Network) -> None:
    a = await network.add("a")
    b = await network.add("b")
    await a.add_org("alpha")
    await b.add_org("beta")
    made = (await a.api("POST", "/follows", "alpha", json={"target": b.actor("beta")})).json()
    await network.settle()
    key = made["id"].rsplit("/", 1)[-1]
    assert (await a.api("DELETE", f"/follows/{key}", "alpha")).status_code == 204
    await network.settle()
    assert (await a.api("GET", "/follows", "alpha")).json()["follows"] == []
    assert (await b.api("GET", "/followers", "beta")).json()["followers"] == []


async def test_manual_approval(network: Network) -> None:
    a = await network.add("a")
    b = await network.add("b")
    alpha = await a.add_org("alpha")
    await b.add_org("beta", manually_approves_followers=True)
    await a.api("POST", "/follows", "alpha", json={"target": b.handle("beta")})
    await network.settle()
    assert (await a.api("GET", "/follows", "alpha")).json()["follows"][0]["state"] == "pending"
    assert (await b.api("GET", "/followers", "beta")).json()["followers"][0]["state"] == "pending"
    decided = await b.api("POST", "/followers/approve", "beta", json={"actor": alpha})
    assert decided.status_code == 200 and decided.json()["state"] == "accepted"
    await network.settle()
    assert (await a.api("GET", "/follows", "alpha")).json()["follows"][0]["state"] == "accepted"


async def test_three_nodes_key_rotation_and_profile_update(network: Network) -> None:
    a = await network.add("a")
    b = await network.add("b")
    c = await network.add("c")
    await a.add_org("alpha")
    await c.add_org("gamma")
    beta = await b.add_org("beta")
    for member, org in ((a, "alpha"), (c, "gamma")):
        await member.api("POST", "/follows", org, json={"target": b.handle("beta")})
    await network.settle()
    await organisations.update(b.node, "beta", display_name="Beta Renamed", rotate_key=True)
    await network.settle()
    async with b.node.db.transaction() as session:
        current = await actors.by_username(session, "beta")
    for member in (a, c):
        async with member.node.db.transaction() as session:
            cached = await remote_actors.by_iri(session, beta)
        assert cached is not None and cached.name == "Beta Renamed"
        assert cached.public_key_pem == current.public_key_pem


async def test_receiver_down_for_a_while_then_up(network: Network) -> None:
    a = await network.add("a")
    b = await network.add("b")
    alpha = await a.add_org("alpha")
    await b.add_org("beta")
    await b.api("POST", "/follows", "beta", json={"target": a.handle("alpha")})
    await network.settle()
    network.router.down.add("b.test")
    await organisations.update(a.node, "alpha", display_name="Alpha While B Was Down")
    await network.settle()
    async with a.node.db.transaction() as session:
        waiting = await deliveries.counts(session)
    assert waiting.pending == 1 and waiting.failed == 0
    for _ in range(3):
        network.clock.advance(timedelta(hours=2))
        await network.settle()
    async with b.node.db.transaction() as session:
        cached = await remote_actors.by_iri(session, alpha)
    assert cached is not None and cached.name == "Alpha"
    network.router.down.discard("b.test")
    network.clock.advance(timedelta(days=1))
    await network.settle()
    async with a.node.db.transaction() as session:
        done = await deliveries.counts(session)
    assert done.pending == 0 and done.failed == 0 and done.delivered >= 2
    async with b.node.db.transaction() as session:
        cached = await remote_actors.by_iri(session, alpha)
    assert cached is not None and cached.name == "Alpha While B Was Down"
