"""Three nodes as separate OS processes on loopback ports (plain http, a SQLite data directory
each), set up with the command line and driven through the HTTP API: follow by handle,
accept, unfollow, and an Update sent while its receiver was down, delivered once it is back.

Every request between the nodes is really signed and verified; waiting is polling with a
deadline, since the nodes' workers run in other processes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage import remote_actors
from node.storage.deliveries import DELIVERED, PENDING
from node.storage.tables import DeliveryRow
from tests.support.processes import LoopbackNode, loopback_nodes, wait_until

FEDERATION_TIMEOUT = 30.0
NEW_NAME = "Alpha Collective (renamed while beta was down)"

Pairs = list[tuple[str, str]]


def start_all(nodes: list[tuple[LoopbackNode, str, str]]) -> None:
    """init, org create, token create and serve for each (node, org, display name), in
    parallel: each step is a process of its own."""

    def start(spec: tuple[LoopbackNode, str, str]) -> None:
        node, org, display_name = spec
        node.init()
        node.add_org(org, display_name)
        node.serve()

    with ThreadPoolExecutor(len(nodes)) as pool:
        list(pool.map(start, nodes))


def follows(node: LoopbackNode, org: str) -> Pairs:
    response = node.api("GET", "/follows", org)
    assert response.status_code == 200, response.text
    return [(f["target"], f["state"]) for f in response.json()["follows"]]


def followers(node: LoopbackNode, org: str) -> Pairs:
    response = node.api("GET", "/followers", org)
    assert response.status_code == 200, response.text
    return sorted((f["actor"], f["state"]) for f in response.json()["followers"])


def total(node: LoopbackNode, org: str, collection: str) -> int:
    count: int = node.as2(f"/users/{org}/{collection}")["totalItems"]
    return count


def follow(node: LoopbackNode, org: str, target: str) -> dict[str, Any]:
    response = node.api("POST", "/follows", org, json={"target": target})
    assert response.status_code == 202, response.text
    made: dict[str, Any] = response.json()
    assert made["state"] == "pending"
    return made


def eventually(check: Callable[[], bool], what: str, *nodes: LoopbackNode) -> None:
    wait_until(check, what, [node.running for node in nodes], FEDERATION_TIMEOUT)


def cached_name(node: LoopbackNode, actor: str) -> str | None:
    async def work(session: AsyncSession) -> str | None:
        found = await remote_actors.by_iri(session, actor)
        return None if found is None else found.name

    return node.query(work)


def updates_to(node: LoopbackNode, host: str) -> list[tuple[str, int, str | None]]:
    """(state, attempts, last error) of the node's Update deliveries to `host`."""

    async def work(session: AsyncSession) -> list[tuple[str, int, str | None]]:
        rows = await session.execute(
            select(
                DeliveryRow.state, DeliveryRow.attempts, DeliveryRow.last_error, DeliveryRow.body
            ).where(DeliveryRow.host == host)
        )
        return [(s, n, e) for s, n, e, body in rows if json.loads(body)["type"] == "Update"]

    return node.query(work)


def test_follow_unfollow_and_delivery_to_a_node_that_was_down(tmp_path: Path) -> None:
    with loopback_nodes(tmp_path) as new:
        a, b, c = new("a"), new("b"), new("c")
        start_all([(a, "alpha", "Alpha Collective"), (b, "beta", "Beta"), (c, "gamma", "Gamma")])
        alpha, beta, gamma = a.actor("alpha"), b.actor("beta"), c.actor("gamma")

        # alpha@a follows beta@b by handle: accepted, listed on both sides
        made = follow(a, "alpha", b.handle("beta"))
        assert made["target"] == beta
        eventually(lambda: follows(a, "alpha") == [(beta, "accepted")], "the Accept", a, b)
        assert followers(b, "beta") == [(alpha, "accepted")]
        assert (total(b, "beta", "followers"), total(a, "alpha", "following")) == (1, 1)

        # unfollow: gone on both sides
        key = made["id"].rsplit("/", 1)[-1]
        assert a.api("DELETE", f"/follows/{key}", "alpha").status_code == 204
        assert follows(a, "alpha") == []
        eventually(lambda: followers(b, "beta") == [], "the Undo to arrive", a, b)
        assert (total(b, "beta", "followers"), total(a, "alpha", "following")) == (0, 0)

        # a third node follows beta too; beta and gamma follow alpha
        follow(c, "gamma", b.handle("beta"))
        follow(b, "beta", a.handle("alpha"))
        follow(c, "gamma", a.handle("alpha"))
        both = sorted([(beta, "accepted"), (gamma, "accepted")])
        eventually(lambda: followers(a, "alpha") == both, "alpha's two followers", a, b, c)
        gammas = sorted([(alpha, "accepted"), (beta, "accepted")])
        eventually(lambda: sorted(follows(c, "gamma")) == gammas, "gamma's follows", a, b, c)
        eventually(lambda: follows(b, "beta") == [(alpha, "accepted")], "beta's follow", a, b)
        assert followers(b, "beta") == [(gamma, "accepted")]
        assert (total(a, "alpha", "followers"), total(b, "beta", "followers")) == (2, 1)
        assert cached_name(b, alpha) == "Alpha Collective"

        # b goes down; alpha's new name goes out to its followers
        b.stop()
        a.cli("org", "update", "alpha", "--display-name", NEW_NAME)
        eventually(lambda: cached_name(c, alpha) == NEW_NAME, "c to get the Update", a, c)

        def attempted_once() -> bool:
            return [(s, n, bool(e)) for s, n, e in updates_to(a, b.host)] == [(PENDING, 1, True)]

        eventually(attempted_once, "a's failed attempt to reach b", a, c)
        assert cached_name(b, alpha) == "Alpha Collective"

        # b is back on the same port. a would retry 1 to 1.25 minutes after the failure
        # (node.activitypub.delivery.BASE_DELAY); its admin makes the retry due now instead
        b.serve()
        assert a.cli("deliveries", "retry-now", "--host", b.host).startswith("1 pending")
        eventually(lambda: cached_name(b, alpha) == NEW_NAME, "b to get the Update", a, b)
        state, attempts, _ = updates_to(a, b.host)[0]
        assert (state, attempts) == (DELIVERED, 2)
