"""The seven-node cascade of real `solidarity-node serve` processes on loopback ports (plain
http, SQLite each), set up with the command line and the HTTP API only; shared by
tests/network/test_cascade_processes.py (which checks the outcome) and bench/cascade.py
(which reports the propagation time).

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

Waiting is polling with deadlines, since the nodes' workers run in other processes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.storage import amplifications, deliveries, inbox_items
from tests.support.processes import LoopbackNode, wait_until

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


def set_up(nodes: Nodes) -> None:
    """Every node started, its organisation made, and every ally followed (accepted)."""
    start_all(nodes)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda spec: make_ally(nodes, spec), ALLIES))
    wait_until(lambda: follows_accepted(nodes), "every ally followed", processes(nodes), TIMEOUT)


def processes(nodes: Nodes) -> list[Any]:
    return [node.running for node in nodes.values()]


@dataclass(frozen=True)
class Propagation:
    iri: str
    key: str
    tree: dict[str, Any]  # the origin's cascade tree once complete
    seconds: float  # publication to the last amplification the origin recorded

    @property
    def latest(self) -> dict[str, Any]:
        return dict(max(self.tree["nodes"], key=lambda n: n["seconds"]))


def propagate(nodes: Nodes) -> Propagation:
    """Publish at alpha, approve epsilon's pending amplification as soon as it shows, and wait
    until the origin's tree is complete and every node is quiet."""
    iri, key = publish(nodes["alpha"])
    running = processes(nodes)
    approve = approve_pending(nodes["epsilon"], "epsilon", iri)
    wait_until(approve, "epsilon's pending amplification", running, TIMEOUT)

    def origin_sees_all() -> dict[str, Any] | None:
        found = tree(nodes["alpha"], "alpha", key)
        return found if len(found["nodes"]) == 1 + len(HOPS) else None

    wait_until(origin_sees_all, "the origin's complete tree", running, TIMEOUT)
    wait_until(lambda: quiet(nodes), "every node to finish its work", running, TIMEOUT)
    found = tree(nodes["alpha"], "alpha", key)
    seconds = max(n["seconds"] for n in found["nodes"])
    return Propagation(iri, key, found, seconds)
