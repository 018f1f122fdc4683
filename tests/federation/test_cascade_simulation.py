"""A call cascading through a random ally graph of many full nodes in one process (each with its
own SQLite database), from a fixed seed: every reachable organisation amplifies exactly once,
hops stay within bounds and never undercut the graph distance, and the origin's tree holds
every amplification with its via and hop. SN_SIMULATION_NODES sets the size (default 50:
200 takes minutes on 2 cores)."""

from __future__ import annotations

import os
import random
import time
from collections import Counter, deque
from datetime import timedelta

from support.network import Member, Network

from node.solidarity import remote
from node.storage import actors, allies, amplifications, cascade, follows
from node.storage.follows import ACCEPTED

SIZE = int(os.environ.get("SN_SIMULATION_NODES", "50"))
SEED = 20240607
MAX_HOPS = 6


def ally_graph(size: int, rng: random.Random) -> dict[int, list[int]]:
    """Who each node allies: two or three others, any of them (cycles and diamonds included)."""
    return {
        i: rng.sample([j for j in range(size) if j != i], rng.choice((2, 3))) for i in range(size)
    }


def distances(graph: dict[int, list[int]], origin: int) -> dict[int, int]:
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


async def wire(members: list[Member], graph: dict[int, list[int]], network: Network) -> None:
    """Ally rows and accepted follows written directly: the API path is covered elsewhere and
    200 x 3 WebFinger + Follow round trips would only measure set-up."""
    now = network.clock.now()
    for j, chosen in graph.items():
        member = members[j]
        async with member.node.db.transaction() as session:
            org_id = await allies_org_id(member)
            for i in chosen:
                target = members[i].actor("org")
                await allies.put(session, org_id, target, "auto", (), (), now)
                await follows.put(session, member.actor("org"), target, ACCEPTED, None, now)
        for i in chosen:
            await remote.get_actor(members[i].node, member.actor("org"))
            async with members[i].node.db.transaction() as session:
                await follows.put(
                    session, member.actor("org"), members[i].actor("org"), ACCEPTED, None, now
                )


async def allies_org_id(member: Member) -> int:
    async with member.node.db.transaction() as session:
        return (await actors.by_username(session, "org")).id


async def test_a_call_cascades_through_a_random_network(network: Network) -> None:
    started = time.monotonic()
    members = []
    for n in range(SIZE):
        member = await network.add(f"n{n}")
        await member.add_org("org")
        members.append(member)
    rng = random.Random(SEED)
    graph = ally_graph(SIZE, rng)
    await wire(members, graph, network)
    set_up = time.monotonic() - started
    deadline = (network.clock.now() + timedelta(days=1)).isoformat()
    body = {"title": "Evictions", "content": "Come.", "deadline": deadline, "max_hops": MAX_HOPS}
    counts = Counter(i for chosen in graph.values() for i in chosen)
    origin = counts.most_common(1)[0][0]  # an origin that someone allies
    made = await members[origin].api("POST", "/calls", "org", json=body)
    assert made.status_code == 201, made.text
    iri = made.json()["id"]
    await network.settle(rounds=1000)
    cascaded = time.monotonic() - started - set_up

    reach = distances(graph, origin)
    rows = {}
    for n, member in enumerate(members):
        async with member.node.db.transaction() as session:
            found = await amplifications.of_object(session, iri)
        assert len(found) <= 1, (n, found)  # exactly once
        if found:
            rows[n] = found[0]
    assert origin not in rows
    for n, row in rows.items():
        assert row.state == amplifications.SENT
        assert reach[n] <= row.hop <= MAX_HOPS, (n, reach[n], row.hop)
    if max(reach.values()) <= MAX_HOPS:
        assert set(rows) == set(reach) - {origin}
    async with members[origin].node.db.transaction() as session:
        entries = await cascade.of_object(session, iri)
    announces = {e.actor_iri: (e.via_iri, e.hop) for e in entries if e.type == "Announce"}
    assert announces == {members[n].actor("org"): (row.via_iri, row.hop) for n, row in rows.items()}
    depth = max(reach.values())
    print(f"\n{SIZE} nodes, depth {depth}: set-up {set_up:.1f}s, cascade {cascaded:.1f}s")
