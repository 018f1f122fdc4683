"""Propagation of one call: through the seeded 200-node in-process simulation
(tests/support/simulation.py; wall time from publication until every node's worker is idle,
so the last amplification is delivered and processed), and through the seven-node tree of real
`solidarity-node serve` processes on loopback (tests/support/cascade_tree.py, the same set-up
as tests/network/test_cascade_processes.py; publication to the last Announce the origin
recorded).

The target is the issue's: every node reached in under 5 seconds in process.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SIZE = 200
TARGET_SECONDS = 5.0


async def _simulate(size: int) -> dict[str, Any]:
    from node.clock import FrozenClock
    from node.storage import amplifications
    from tests.support.keypool import shared_keys
    from tests.support.network import Network
    from tests.support.simulation import build, distances, run_cascade

    with tempfile.TemporaryDirectory(prefix="bench-cascade-") as folder:
        network = Network(Path(folder), FrozenClock(datetime(2026, 11, 21, 12, 0, tzinfo=UTC)))
        try:
            with shared_keys():
                simulation = await build(network, size)
                done = await run_cascade(simulation)
            amplified = 0
            for member in simulation.members:
                async with member.node.db.transaction() as session:
                    amplified += len(await amplifications.of_object(session, done.iri))
        finally:
            await network.close()
    reach = distances(simulation.graph, simulation.origin)
    return {
        "nodes": size,
        "reachable": len(reach) - 1,
        "amplified": amplified,
        "depth": max(reach.values()),
        "set_up_s": simulation.set_up_seconds,
        "propagation_s": done.seconds,
        "target_propagation_s": TARGET_SECONDS,
    }


def measure(size: int = SIZE) -> dict[str, Any]:
    """Figures for one cascade through `size` nodes (the test support code builds them)."""
    return asyncio.run(_simulate(size))


def measure_processes() -> dict[str, Any]:
    """Figures for one cascade through the seven `serve` processes on loopback."""
    from tests.support.cascade_tree import HOPS, ORGS, propagate, set_up
    from tests.support.processes import loopback_nodes

    with tempfile.TemporaryDirectory(prefix="bench-cascade-processes-") as folder:
        with loopback_nodes(Path(folder)) as new:
            nodes = {org: new(org) for org in ORGS}
            started = time.perf_counter()
            set_up(nodes)
            set_up_s = time.perf_counter() - started
            done = propagate(nodes)
    hops = [n["hop"] for n in done.tree["nodes"]]
    return {
        "processes": len(ORGS),
        "amplified": len(done.tree["nodes"]) - 1,
        "expected": len(HOPS),
        "depth": max(hops),
        "set_up_s": set_up_s,
        "propagation_s": done.seconds,
        "manual_approval_included": True,
        "target_propagation_s": TARGET_SECONDS,
    }


def main() -> None:
    figures = measure()
    served = measure_processes()
    seconds = figures["propagation_s"]
    verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
    print(f"cascade: one call through {figures['nodes']} in-process nodes")
    print(f"  reachable organisations   {figures['reachable']:>8}")
    print(f"  amplified                 {figures['amplified']:>8}")
    print(f"  depth (graph distance)    {figures['depth']:>8}")
    print(f"  set-up                    {figures['set_up_s']:>8.2f} s")
    target = f"target < {TARGET_SECONDS:.0f} s: {verdict}"
    print(f"  propagation               {seconds:>8.2f} s  ({target})")
    print(f"cascade: one call through {served['processes']} serve processes on loopback")
    print(f"  amplified                 {served['amplified']:>8} of {served['expected']}")
    print(f"  propagation               {served['propagation_s']:>8.2f} s")


if __name__ == "__main__":
    main()
