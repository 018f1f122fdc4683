"""A call cascading through a random ally graph of many full nodes in one process (each with its
own SQLite database), from a fixed seed: no organisation amplifies twice (nor the origin),
hops stay within bounds and never undercut the graph distance, and the origin's tree holds
every amplification with its via and hop; whoever allies an organisation that amplified below
the hop limit amplified too. SN_SIMULATION_NODES sets the size (default 200: about 50 s on two
busy cores, two thirds of it the cascade itself; bench/cascade.py reports the figures).
"""

from __future__ import annotations

import os

from node.storage import amplifications, cascade
from tests.support.keypool import shared_keys
from tests.support.network import Network
from tests.support.simulation import MAX_HOPS, ORG, build, distances, run_cascade

SIZE = int(os.environ.get("SN_SIMULATION_NODES", "200"))


async def test_a_call_cascades_through_a_random_network(network: Network) -> None:
    with shared_keys():
        simulation = await build(network, SIZE)
        done = await run_cascade(simulation)
    members, origin = simulation.members, simulation.origin
    iri = done.iri

    reach = distances(simulation.graph, origin)
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
    # each came through an ally's activity, one hop further; and no one was left out: whoever
    # allies an organisation that amplified below the limit (or the origin) amplified too
    graph = simulation.graph
    sender = {row.announce_iri: n for n, row in rows.items()}
    hop_of = {origin: 0} | {n: row.hop for n, row in rows.items()}
    for n, row in rows.items():
        through = sender.get(row.via_iri, origin)
        assert through in graph[n] and row.hop == hop_of[through] + 1, (n, row)
    for i, hop in hop_of.items():
        if hop < MAX_HOPS:
            assert {j for j, chosen in graph.items() if i in chosen} - {origin} <= set(rows), i
    async with members[origin].node.db.transaction() as session:
        entries = await cascade.of_object(session, iri)
    announces = {e.actor_iri: (e.via_iri, e.hop) for e in entries if e.type == "Announce"}
    assert announces == {members[n].actor(ORG): (row.via_iri, row.hop) for n, row in rows.items()}
    depth = max(reach.values())
    print(
        f"\n{SIZE} nodes, depth {depth}, {len(rows)} amplified: "
        f"set-up {simulation.set_up_seconds:.1f}s, cascade {done.seconds:.2f}s"
    )
