"""Scale-out on real PostgreSQL: 2 `serve` + 3 `worker` processes of one node share 5,000
deliveries (100 strategies, published half through each `serve --no-worker`, to 50 followers
with an inbox each on its own loopback host).

Two workers start on the full queue; a third joins while deliveries run, and the first is
killed with SIGKILL in the middle. Until then the counting sinks have seen every delivery once;
the killed worker's leased rows come back after their lease (10 s here: the living workers
renew theirs every third of it, which a loaded machine must manage), and the sinks then show
every (inbox, activity) delivered, none more than once beyond what the killed worker had sent
and not yet recorded (its DeliveryQueue holds at most twice DEFAULT_CONCURRENCY rows: attempts
in flight, and finished ones waiting for their batch to be recorded), and the database every
row delivered. The workers' /metrics count what they delivered.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from node.federation.delivery_queue import DEFAULT_CONCURRENCY
from tests.support.pg_databases import empty_database
from tests.support.processes import loopback_nodes, wait_until
from tests.support.scaleout import (
    Cluster,
    CountingSinks,
    delivery_counts,
    metric,
    publish,
    set_up,
)

pytestmark = pytest.mark.postgres

HOSTS = 50
POSTS = 100
DELIVERIES = HOSTS * POSTS
LEASE_SECONDS = 10
ADD_WORKER_AT = 1_000  # deliveries seen by the sinks when the third worker starts
KILL_AT = 2_500  # … and when the first worker is killed
TIMEOUT = 120.0
HELD = (
    2 * DEFAULT_CONCURRENCY
)  # rows a DeliveryQueue holds at most (node.federation.delivery_queue)


def test_two_serves_and_three_workers_deliver_everything_once_through_a_kill(
    tmp_path: Path,
) -> None:
    sinks = CountingSinks(HOSTS, tmp_path)
    try:
        with empty_database("sn_scaleout") as url, loopback_nodes(tmp_path) as new:
            cluster = Cluster(new("scaleout"))
            set_up(cluster.node, url, sinks.inboxes(), LEASE_SECONDS)
            run_the_scenario(cluster, sinks)
    finally:
        sinks.stop()


def run_the_scenario(cluster: Cluster, sinks: CountingSinks) -> None:
    cluster.start_serve()
    cluster.start_serve()
    try:
        cluster.wait_ready()
        with ThreadPoolExecutor(4) as pool:  # half through each serve process
            ports = [cluster.serve_ports[n % 2] for n in range(POSTS)]
            list(pool.map(lambda n: publish(cluster.node, ports[n], n), range(POSTS)))
        assert delivery_counts(cluster.node).pending == DELIVERIES  # serve left them queued
        cluster.start_worker()
        cluster.start_worker()
        seen(sinks, ADD_WORKER_AT, cluster)
        cluster.start_worker()  # a worker added while the others run
        seen(sinks, KILL_AT, cluster)
        twice = [key for key, n in sinks.counts().items() if n > 1]
        assert twice == [], "delivered twice while every worker ran"  # exactly once so far
        killed = cluster.workers[0]
        killed.kill()  # mid-batch: its leased rows are found again after LEASE_SECONDS
        survivors = [p for p in cluster.processes if p is not killed]
        wait_until(
            lambda: delivery_counts(cluster.node).delivered == DELIVERIES,
            "every delivery row to be delivered",
            survivors,
            TIMEOUT,
            interval=0.25,
            evidence=lambda: f"{delivery_counts(cluster.node)}, sinks {sinks.progress()}",
        )
        check_the_sinks(sinks)
        check_the_metrics(cluster)
    finally:
        cluster.stop()


def seen(sinks: CountingSinks, posts: int, cluster: Cluster) -> None:
    wait_until(
        lambda: sinks.progress()["posts"] >= posts,
        f"the sinks to count {posts} deliveries",
        cluster.processes,
        TIMEOUT,
        interval=0.1,
    )


def check_the_sinks(sinks: CountingSinks) -> None:
    counts = sinks.counts()
    progress = sinks.progress()
    assert len(counts) == DELIVERIES, f"{DELIVERIES - len(counts)} deliveries never arrived"
    assert progress["signed"] == progress["posts"]
    twice = sum(n - 1 for n in counts.values())
    # what the killed worker had sent but not yet recorded: at most the rows its queue holds
    # (its attempts in flight and those finished, waiting for their batch to be recorded)
    assert twice <= HELD, f"{twice} deliveries arrived more than once"
    assert not any("unreadable" in key for key in counts)
    inboxes = {key.split(" ")[0] for key in counts}
    assert len(inboxes) == HOSTS


def check_the_metrics(cluster: Cluster) -> None:
    counted = sum(
        metric(port, "sn_deliveries_total")
        for name, port in cluster.worker_ports.items()
        if name != "worker-1"  # killed
    )
    assert counted >= DELIVERIES * 0.3  # the survivors' share, by their own counters
    counts = delivery_counts(cluster.node)
    assert (counts.pending, counts.failed) == (0, 0)
