"""A call cascading across seven nodes that are separate `solidarity-node serve` processes on
loopback ports (the tree and its set-up: tests/support/cascade_tree.py): exactly once, at the
right hop, never the origin, never past maxHops; the origin's complete tree with via links.
The propagation time (publication to the last Announce the origin recorded, epsilon's approval
by the poller included) is printed; bench/cascade.py reports it too.
"""

from __future__ import annotations

from pathlib import Path

from node.storage import amplifications
from tests.support.cascade_tree import (
    HOPS,
    ORGS,
    PARENTS,
    amplified,
    propagate,
    set_up,
    tree,
)
from tests.support.processes import LoopbackNode, loopback_nodes


def test_a_call_cascades_across_seven_processes(tmp_path: Path) -> None:
    with loopback_nodes(tmp_path) as new:
        nodes = {org: new(org) for org in ORGS}
        set_up(nodes)
        done = propagate(nodes)
        iri, key, found = done.iri, done.key, done.tree

        # exactly once, at the right hop; never the origin, never past maxHops
        for org, node in nodes.items():
            expected = [(amplifications.SENT, HOPS[org])] if org in HOPS else []
            assert amplified(node, iri) == expected, org

        # the origin's tree: every amplification, hung under the activity it came through
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

        latest = done.latest
        print(
            f"\n7 processes: the last amplification ({latest['actor']}, hop {latest['hop']}) "
            f"reached the origin {done.seconds:.3f}s after publication"
        )
        for entry in sorted(found["nodes"], key=lambda n: n["seconds"]):
            print(f"  hop {entry['hop']}  {entry['seconds']:7.3f}s  {entry['actor']}")


def zeta_id_seen(node: LoopbackNode, key: str, announce: str) -> bool:
    return announce in {n["id"] for n in tree(node, "eta", key)["nodes"]}
