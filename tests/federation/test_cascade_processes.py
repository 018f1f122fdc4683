"""A call cascading across seven nodes that are separate `solidarity-node serve` processes on
loopback ports (plain http, SQLite each), set up with the command line and the HTTP API only.

The ally graph ("x <- y": y amplifies x's calls) is a tree of depth 4 with mixed policies,
a diamond, two cycles and a hop limit:

    alpha <- beta (auto), gamma (urgent)          hop 1
    beta, gamma <- delta (auto, both: a diamond)  hop 2, once
    delta <- epsilon (manual, approved by API)    hop 3
    epsilon <- zeta (auto)                        hop 4 = the call's maxHops
    zeta <- eta (auto)                            hop 5: stopped by maxHops
    beta <- eta (auto, theme housing only)        not this call's theme
    zeta <- alpha, epsilon <- beta                cycles: the origin never amplifies its own
                                                  call, beta does not amplify twice

Waiting is polling with deadlines, since the nodes' workers run in other processes. The
propagation time (publication to the last Announce the origin recorded, epsilon's approval by
this test's poller included) is printed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from support.processes import LoopbackNode, loopback_nodes, wait_until

from node.storage import amplifications, deliveries, inbox_items

TIMEOUT = 30.0
ORGS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta")
MAX_HOPS = 4
# (amplifier, ally, policy, narrowing, made with): the ally graph above
ALLIES: list[tuple[str, str, str, dict[str, list[str]], str]] = [
    ("beta", "alpha", "auto", {}, "api"),
    ("gamma", "alpha", "urgent", {}, "api"),
    ("delta", "beta", "auto", {}, "cli"),
    ("delta", "gamma", "auto", {}, "api"),
    ("epsilon", "delta", "manual", {}, "cli"),
    ("zeta", "epsilon", "auto", {}, "api"),
    ("eta", "zeta", "auto", {}, "api"),
    ("eta", "beta", "auto", {"themes": ["housing"]}, "cli"),
    ("alpha", "zeta", "auto", {}, "api"),
    ("beta", "epsilon", "auto", {}, "api"),
]
HOPS = {"beta": 1, "gamma": 1, "delta": 2, "epsilon": 3, "zeta": 4}
PARENTS = {
    "beta": {"alpha"},
    "gamma": {"alpha"},
    "delta": {"beta", "gamma"},
    "epsilon": {"delta"},
    "zeta": {"epsilon"},
}

Nodes = dict[str, LoopbackNode]


def start_all(nodes: Nodes) -> None:
    """init, org create, token create and serve for every node, in parallel."""

    def start(org: str) -> None:
        node = nodes[org]
        node.init()
        node.add_org(org, org.title())
        node.serve()

    with ThreadPoolExecutor(len(nodes)) as pool:
        list(pool.map(start, nodes))


def make_ally(nodes: Nodes, spec: tuple[str, str, str, dict[str, list[str]], str]) -> None:
    org, ally, policy, narrowing, made_with = spec
    node, target = nodes[org], nodes[ally].handle(ally)
    if made_with == "cli":
        options = [f"--theme={theme}" for theme in narrowing.get("themes", [])]
        line = node.cli("ally", "add", org, target, "--amplify", policy, *options)
        assert line.strip().split("\t")[1:] == [nodes[ally].actor(ally), policy], line
        return
    body = {"actor": target, "amplify": policy, **narrowing}
    response = node.api("POST", "/allies", org, json=body)
    assert response.status_code == 201, response.text


def follows_accepted(nodes: Nodes) -> bool:
    for org, node in nodes.items():
        wanted = {nodes[ally].actor(ally) for who, ally, *_ in ALLIES if who == org}
        response = node.api("GET", "/follows", org)
        found = {(f["target"], f["state"]) for f in response.json()["follows"]}
        if found != {(target, "accepted") for target in wanted}:
            return False
    return True


def publish(origin: LoopbackNode) -> tuple[str, str]:
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {
        "title": "Eviction blockade on Sunday",
        "content": "Bring people.",
        "urgency": "high",
        "regions": ["PL"],
        "themes": ["labour"],
        "deadline": deadline,
        "max_hops": MAX_HOPS,
    }
    made = origin.api("POST", "/calls", "alpha", json=body)
    assert made.status_code == 201, made.text
    iri: str = made.json()["id"]
    return iri, iri.rsplit("/", 1)[-1]


def tree(node: LoopbackNode, org: str, key: str) -> dict[str, Any]:
    response = node.api("GET", f"/calls/{key}/cascade", org)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def approve_pending(node: LoopbackNode, org: str, iri: str) -> Callable[[], bool]:
    def approved() -> bool:
        pending = node.api("GET", "/amplifications/pending", org).json()["pending"]
        mine = [p for p in pending if p["object"] == iri]
        if not mine:
            return False
        response = node.api("POST", f"/amplifications/{mine[0]['id']}/approve", org)
        assert response.status_code == 200 and response.json()["hop"] == HOPS[org], response.text
        return True

    return approved


def quiet(nodes: Nodes) -> bool:
    """No node has an inbox item or a delivery still pending."""

    async def pending(session: AsyncSession) -> int:
        counts = await deliveries.counts(session)
        return counts.pending + await inbox_items.count_pending(session)

    return all(node.query(pending) == 0 for node in nodes.values())


def amplified(node: LoopbackNode, iri: str) -> list[tuple[str, int]]:
    async def work(session: AsyncSession) -> list[tuple[str, int]]:
        return [(r.state, r.hop) for r in await amplifications.of_object(session, iri)]

    return node.query(work)


def test_a_call_cascades_across_seven_processes(tmp_path: Path) -> None:
    with loopback_nodes(tmp_path) as new:
        nodes = {org: new(org) for org in ORGS}
        start_all(nodes)
        processes = [node.running for node in nodes.values()]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda spec: make_ally(nodes, spec), ALLIES))
        wait_until(lambda: follows_accepted(nodes), "every ally followed", processes, TIMEOUT)

        iri, key = publish(nodes["alpha"])
        approve = approve_pending(nodes["epsilon"], "epsilon", iri)
        wait_until(approve, "epsilon's pending amplification", processes, TIMEOUT)

        def origin_sees_all() -> dict[str, Any] | None:
            found = tree(nodes["alpha"], "alpha", key)
            return found if len(found["nodes"]) == 1 + len(HOPS) else None

        wait_until(origin_sees_all, "the origin's complete tree", processes, TIMEOUT)
        wait_until(lambda: quiet(nodes), "every node to finish its work", processes, TIMEOUT)

        # exactly once, at the right hop; never the origin, never past maxHops
        for org, node in nodes.items():
            expected = [(amplifications.SENT, HOPS[org])] if org in HOPS else []
            assert amplified(node, iri) == expected, org

        # the origin's tree: every amplification, hung under the activity it came through
        found = tree(nodes["alpha"], "alpha", key)
        assert found["object"] == iri
        by_id = {n["id"]: n for n in found["nodes"]}
        by_org = {n["actor"].rsplit("/", 1)[-1]: n for n in found["nodes"]}
        assert set(by_org) == {"alpha", *HOPS}
        root = by_org["alpha"]
        assert (root["type"], root["hop"], root["via"]) == ("Create", 0, None)
        for org, hop in HOPS.items():
            entry = by_org[org]
            assert (entry["type"], entry["hop"], entry["inferred"]) == ("Announce", hop, False)
            parent = by_id[entry["via"]]
            assert parent["actor"].rsplit("/", 1)[-1] in PARENTS[org], (org, parent)
            assert parent["hop"] == hop - 1
        assert by_org["beta"]["reach"] == 2  # delta and eta follow beta

        # eta heard zeta's hop-4 Announce and stopped there
        assert zeta_id_seen(nodes["eta"], key, by_org["zeta"]["id"])

        latest = max(found["nodes"], key=lambda n: n["seconds"])
        print(
            f"\n7 processes: the last amplification ({latest['actor']}, hop {latest['hop']}) "
            f"reached the origin {latest['seconds']:.3f}s after publication"
        )
        for entry in sorted(found["nodes"], key=lambda n: n["seconds"]):
            print(f"  hop {entry['hop']}  {entry['seconds']:7.3f}s  {entry['actor']}")


def zeta_id_seen(node: LoopbackNode, key: str, announce: str) -> bool:
    return announce in {n["id"] for n in tree(node, "eta", key)["nodes"]}
