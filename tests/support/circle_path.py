"""A circle call's trusted path across real `solidarity-node serve` processes on loopback ports
(plain http, SQLite each), set up with the command line and the HTTP API only; used by
tests/network/test_circle_cascade_processes.py.

Five organisations on five nodes, a chain with a side branch, and a watcher on a sixth:

    alpha --trusted--> beta --onward--> gamma --onward--> delta     hops 1, 2 (delta: 3, reads)
                            \\--onward--> epsilon                     hop 2, reads, passes nothing
    watcher: follows all five and has each as an ally (auto); in no one's circle

Waiting is polling with deadlines, since the nodes' workers run in other processes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage import amplifications, cascade, deliveries, inbox_items, objects, signed_objects
from node.storage.tables import DeliveryRow, InboxItemRow, ReactionRow
from tests.support.processes import LoopbackNode, wait_until

TIMEOUT = 60.0
ORGS = ("alpha", "beta", "gamma", "delta", "epsilon", "watcher")
PATH = ("beta", "gamma", "delta", "epsilon")  # who must hold the call
VOUCHED_BY = {"beta": None, "gamma": "beta", "delta": "gamma", "epsilon": "beta"}
HOPS = {"beta": [1], "gamma": [2]}  # who passes it on, at which hop

Nodes = dict[str, LoopbackNode]


def start_all(nodes: Nodes) -> None:
    def start(org: str) -> None:
        node = nodes[org]
        node.init()
        node.add_org(org, org.title())
        node.serve()

    with ThreadPoolExecutor(len(nodes)) as pool:
        list(pool.map(start, nodes))


def handle(nodes: Nodes, org: str) -> str:
    return nodes[org].handle(org)


def set_up(nodes: Nodes) -> None:
    """Circles (command line and API), allies naming them, the watcher's follows and allies;
    returns once every follow is accepted."""
    start_all(nodes)
    line = nodes["alpha"].cli("circle", "add", "alpha", "trusted", handle(nodes, "beta"))
    assert line.strip() == f"trusted\t{nodes['beta'].actor('beta')}", line
    body = {"name": "onward", "members": [handle(nodes, "gamma"), handle(nodes, "epsilon")]}
    made = nodes["beta"].api("POST", "/circles", "beta", json=body)
    assert made.status_code == 201, made.text
    nodes["gamma"].cli("circle", "add", "gamma", "onward", handle(nodes, "delta"))
    nodes["beta"].cli(
        "ally", "add", "beta", handle(nodes, "alpha"), "--amplify", "auto", "--circle", "onward"
    )
    policy = {"actor": handle(nodes, "beta"), "amplify": "auto", "circle": "onward"}
    allied = nodes["gamma"].api("POST", "/allies", "gamma", json=policy)
    assert allied.status_code == 201 and allied.json()["circle"] == "onward", allied.text
    for org, ally in (("delta", "gamma"), ("epsilon", "beta")):
        body = {"actor": handle(nodes, ally), "amplify": "auto"}
        assert nodes[org].api("POST", "/allies", org, json=body).status_code == 201
    for org in (*PATH, "alpha"):
        body = {"actor": handle(nodes, org), "amplify": "auto"}
        assert nodes["watcher"].api("POST", "/allies", "watcher", json=body).status_code == 201
    wait_until(lambda: follows_accepted(nodes), "every follow accepted", processes(nodes), TIMEOUT)


def follows_accepted(nodes: Nodes) -> bool:
    for org, node in nodes.items():
        found = node.api("GET", "/follows", org).json()["follows"]
        if any(f["state"] != "accepted" for f in found):
            return False
    return len(nodes["watcher"].api("GET", "/follows", "watcher").json()["follows"]) == 5


def processes(nodes: Nodes) -> list[Any]:
    return [node.running for node in nodes.values() if node.process and node.process.alive]


def publish(origin: LoopbackNode) -> tuple[str, str]:
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {
        "title": "Safe house needed tonight",
        "content": "Three people, two nights. Ask us in person.",
        "urgency": "critical",
        "deadline": deadline,
        "visibility": "circle",
        "circle": "trusted",
    }
    made = origin.api("POST", "/calls", "alpha", json=body)
    assert made.status_code == 201, made.text
    iri: str = made.json()["id"]
    return iri, iri.rsplit("/", 1)[-1]


def delivered(node: LoopbackNode, activity_iri: str) -> bool:
    """Whether every delivery of that activity succeeded (and there was one)."""

    async def work(session: AsyncSession) -> bool:
        states = list(
            await session.scalars(
                select(DeliveryRow.state).where(DeliveryRow.activity_iri == activity_iri)
            )
        )
        return bool(states) and all(state == deliveries.DELIVERED for state in states)

    return node.query(work)


def held(node: LoopbackNode, iri: str) -> objects.StoredObject | None:
    async def work(session: AsyncSession) -> objects.StoredObject | None:
        return await objects.get(session, iri)

    return node.query(work)


def signed_copy(node: LoopbackNode, iri: str) -> signed_objects.SignedObject | None:
    async def work(session: AsyncSession) -> signed_objects.SignedObject | None:
        return await signed_objects.get(session, iri)

    return node.query(work)


def arrivals(node: LoopbackNode, iri: str) -> list[cascade.Entry]:
    async def work(session: AsyncSession) -> list[cascade.Entry]:
        return await cascade.of_object(session, iri)

    return node.query(work)


def hops_sent(node: LoopbackNode, iri: str) -> list[int]:
    async def work(session: AsyncSession) -> list[int]:
        rows = await amplifications.of_object(session, iri)
        return [row.hop for row in rows if row.state == amplifications.SENT]

    return node.query(work)


def trace_of(node: LoopbackNode, iri: str) -> list[str]:
    """Anything of the call on a node: object, signed copy, reactions, received activities."""

    async def work(session: AsyncSession) -> list[str]:
        found = []
        if await objects.get(session, iri) is not None:
            found.append("object")
        if await signed_objects.get(session, iri) is not None:
            found.append("signed copy")
        reacted = await session.scalars(
            select(ReactionRow.activity_iri).where(ReactionRow.object_iri == iri)
        )
        found += [f"reaction {r}" for r in reacted]
        for item in await session.scalars(select(InboxItemRow)):
            if iri in str(item.document):
                found.append(f"inbox item {item.activity_iri}")
        return found

    return node.query(work)


def quiet(nodes: Nodes) -> bool:
    """No running node has an inbox item or a due delivery left (waiting retries aside)."""

    async def pending(session: AsyncSession) -> int:
        return await inbox_items.count_pending(session)

    return all(node.query(pending) == 0 for node in nodes.values())
