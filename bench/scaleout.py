"""Scale-out: delivery throughput on PostgreSQL by number of `worker` processes (1, 2, 3, 4).

For each count, a fresh database and node (tests/support/scaleout.py), the workers started and
ready on an empty queue, then 100 activities x 50 inboxes (one per counting sink host) stored
in one transaction. The rate is deliveries over the time from the first to the last POST the
sinks count (so the workers' idle poll before the first claim is not in it); the end-to-end
time runs from the commit until the database has every row delivered. The ratio compares each
count with one worker, measured in the same run. The workers' CPU time per delivery (from
/proc, start-up left out) does not depend on how busy the machine is, where the rate does: on
a shared machine more processes also get a larger share of it.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import cpu_seconds

WORKERS = (1, 2, 3, 4)
HOSTS = 50
ACTIVITIES = 100
DELIVERIES = HOSTS * ACTIVITIES
LEASE_SECONDS = 10
TIMEOUT = 300.0
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def _enqueue(data_dir: Path, inboxes: list[str]) -> None:
    """Every delivery row in one transaction, as sending.queue() stores them."""
    from node.config import load_settings
    from node.federation import sending
    from node.federation.runtime import make_runtime
    from node.storage import actors
    from tests.support.scaleout import ORG

    node = make_runtime(load_settings(data_dir, {}))
    try:
        async with node.db.transaction() as session:
            actor = await actors.by_username(session, ORG)
            for n in range(ACTIVITIES):
                activity = {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": node.urls.activity(f"scaleout-{n}"),
                    "type": "Announce",
                    "actor": node.urls.actor(ORG),
                    "object": node.urls.publication("call", f"call-{n}"),
                    "to": [PUBLIC],
                }
                await sending.queue(session, node, actor, activity, extra_inboxes=inboxes)
    finally:
        await node.close()


def _run(workdir: Path, workers: int) -> dict[str, Any]:
    from tests.support.pg_databases import empty_database
    from tests.support.processes import loopback_nodes, wait_until
    from tests.support.scaleout import Cluster, CountingSinks, delivery_counts, set_up

    logs = workdir / f"scaleout-{workers}"
    logs.mkdir()
    sinks = CountingSinks(HOSTS, logs)
    try:
        with empty_database("sn_bench_scaleout") as url, loopback_nodes(logs) as new:
            cluster = Cluster(new("node"))
            set_up(cluster.node, url, [], LEASE_SECONDS)
            for _ in range(workers):
                cluster.start_worker()
            try:
                cluster.wait_ready()
                idle_cpu = sum(cpu_seconds(process.popen.pid) for process in cluster.workers)
                started = time.perf_counter()
                asyncio.run(_enqueue(cluster.node.data_dir, sinks.inboxes()))
                wait_until(
                    lambda: delivery_counts(cluster.node).delivered == DELIVERIES,
                    "every delivery",
                    cluster.processes,
                    TIMEOUT,
                    interval=0.1,
                )
                end_to_end = time.perf_counter() - started
                busy_cpu = sum(cpu_seconds(process.popen.pid) for process in cluster.workers)
                cpu = busy_cpu - idle_cpu
            finally:
                cluster.stop()
        progress = sinks.progress()
        twice = sum(n - 1 for n in sinks.counts().values())
    finally:
        sinks.stop()
    spread = progress["last"] - progress["first"]
    return {
        "workers": workers,
        "deliveries": DELIVERIES,
        "rate": DELIVERIES / spread,
        "sink_seconds": spread,
        "end_to_end_s": end_to_end,
        "worker_cpu_ms_per_delivery": 1000 * cpu / DELIVERIES,
        "posts": progress["posts"],
        "duplicates": twice,
    }


def measure(workdir: Path) -> dict[str, Any]:
    """Figures for each number of workers; needs SN_BENCH_POSTGRES_URL or SN_TEST_POSTGRES_URL
    (an admin URL: a database is made for each run and dropped after it)."""
    return {str(n): _run(workdir, n) for n in WORKERS}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sn-scaleout-") as temporary:
        found = measure(Path(temporary))
    for n, run in found.items():
        print(
            f"{n} worker(s): {run['rate']:,.0f} deliveries/s "
            f"({run['sink_seconds']:.2f} s at the sinks, {run['end_to_end_s']:.2f} s end to end)"
        )


if __name__ == "__main__":
    main()
