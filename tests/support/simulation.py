"""A seeded random ally network of many full nodes in one process, for the cascade simulation
test and bench/cascade.py: each node has one organisation, `org`, which allies two or three
others with the `auto` policy (cycles and diamonds included).

Keys come from a shared pool (support.keypool) and databases from one migrated template, so
set-up is cheap;
ally rows and accepted follows are written directly (the API path is covered by the other
cascade tests, and hundreds of WebFinger + Follow round trips would only measure set-up).
"""

from __future__ import annotations

import random
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from node.activitypub.objects import ActorView
from node.federation import profiles, remote_actors
from node.storage import actors, allies, follows
from node.storage import remote_actors as actor_rows
from node.storage.follows import ACCEPTED
from node.urls import key_id
from tests.support.network import Member, Network

SEED = 20240607
MAX_HOPS = 6
ORG = "org"

Graph = dict[int, list[int]]


def ally_graph(size: int, rng: random.Random) -> Graph:
    """Who each node allies: two or three others, any of them."""
    return {
        i: rng.sample([j for j in range(size) if j != i], rng.choice((2, 3))) for i in range(size)
    }


def distances(graph: Graph, origin: int) -> dict[int, int]:
    """Hops from the origin, following 'j allies i' edges from i to j."""
    audience: dict[int, list[int]] = {i: [] for i in graph}
    for j, chosen in graph.items():
        for i in chosen:
            audience[i].append(j)
    found = {origin: 0}
    queue = deque([origin])
    while queue:
        i = queue.popleft()
        for j in audience[i]:
            if j not in found:
                found[j] = found[i] + 1
                queue.append(j)
    return found


@dataclass
class Simulation:
    network: Network
    members: list[Member]
    graph: Graph
    origin: int
    set_up_seconds: float


@dataclass(frozen=True)
class Cascade:
    iri: str
    seconds: float  # publication to the last worker cycle with work, wall time


async def build(network: Network, size: int, seed: int = SEED) -> Simulation:
    """`size` nodes wired by a seeded graph; call it, and run_cascade(), inside shared_keys()."""
    started = time.perf_counter()
    members = []
    for n in range(size):
        member = await network.add(f"n{n}")
        await member.add_org(ORG)
        members.append(member)
    graph = ally_graph(size, random.Random(seed))
    await wire(members, graph, network)
    counts = Counter(i for chosen in graph.values() for i in chosen)
    origin = counts.most_common(1)[0][0]  # an origin that someone allies
    return Simulation(network, members, graph, origin, time.perf_counter() - started)


async def wire(members: list[Member], graph: Graph, network: Network) -> None:
    """Ally rows and accepted follows on both sides, and each side's actor cached by the other
    (as a Follow and its Accept would have left them), from the actor documents each node
    serves, without the round trips."""
    now = network.clock.now()
    documents = [await profiles.actor_document(member.node, ORG) for member in members]
    for j, chosen in graph.items():
        member = members[j]
        async with member.node.db.transaction() as session:
            org_id = (await actors.by_username(session, ORG)).id
            for i in chosen:
                target = members[i].actor(ORG)
                await allies.put(session, org_id, target, "auto", (), (), now)
                await follows.put(session, member.actor(ORG), target, ACCEPTED, None, now)
        for i in chosen:
            await cache(member, documents[i])
            await cache(members[i], documents[j])
            async with members[i].node.db.transaction() as session:
                await follows.put(
                    session, member.actor(ORG), members[i].actor(ORG), ACCEPTED, None, now
                )


async def cache(member: Member, document: dict[str, Any]) -> None:
    view = ActorView.from_document(document, key_id(document["id"]))
    async with member.node.db.transaction() as session:
        await actor_rows.upsert(session, remote_actors.to_remote(view, member.node), document)


async def run_cascade(simulation: Simulation) -> Cascade:
    """Publish a call at the origin and run every worker until the network is idle."""
    network = simulation.network
    deadline = (network.clock.now() + timedelta(days=1)).isoformat()
    body = {"title": "Evictions", "content": "Come.", "deadline": deadline, "max_hops": MAX_HOPS}
    started = time.perf_counter()
    made = await simulation.members[simulation.origin].api("POST", "/calls", ORG, json=body)
    assert made.status_code == 201, made.text
    await network.settle(rounds=1000)
    return Cascade(made.json()["id"], time.perf_counter() - started)
