"""Inbox benchmarks: `solidarity-node serve` taking signed Create(Note) POSTs (verified, stored
durably, 202) against the bare verify-and-202 ceiling, the node's memory, and backpressure.

The remote actors' keys are put in the node's cache before the run (as after their first
activity), so no key is fetched during the measurement. Each run ends when every request was
answered; the node then must process every accepted item (none lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.procs import (
    PYTHON,
    Child,
    bench_env,
    children,
    cpu_seconds,
    free_port,
    node_command,
    rss_mb,
    run_cli,
    wait_answers,
    wait_until,
)
from node.config import load_settings
from node.storage import inbox_items, remote_actors
from node.storage.db import Database
from node.storage.remote_actors import RemoteActor
from tests.support.postgres import drop_database, pg_execute
from tests.support.postgres import postgres_admin_url as test_postgres_admin_url

ACTORS = 20
CONNECTIONS = 32
PROCESS_TIMEOUT = 240.0
REPO = Path(__file__).resolve().parent.parent


def postgres_admin_url() -> str | None:
    """SN_BENCH_POSTGRES_URL, else SN_TEST_POSTGRES_URL: an admin URL to create a database."""
    return os.environ.get("SN_BENCH_POSTGRES_URL") or test_postgres_admin_url()


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A new, empty database for one run, dropped afterwards."""
    from sqlalchemy.engine import make_url

    name = f"sn_bench_{secrets.token_hex(4)}"
    asyncio.run(pg_execute(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(drop_database(admin_url, name))


async def _seed(data_dir: Path, actors: list[loadgen.Actor]) -> None:
    db = Database(load_settings(data_dir, {}).database_url)
    try:
        async with db.transaction() as session:
            for actor in actors:
                host = actor.iri.split("/users/")[0]
                view = RemoteActor(
                    iri=actor.iri,
                    type="Person",
                    key_id=actor.key_id,
                    public_key_pem=actor.keys.public_pem,
                    username=actor.iri.rsplit("/", 1)[-1],
                    name=None,
                    inbox=f"{actor.iri}/inbox",
                    shared_inbox=f"{host}/inbox",
                    followers=f"{actor.iri}/followers",
                    fetched_at=datetime.now(UTC),
                    gone=False,
                )
                await remote_actors.upsert(session, view, {"id": actor.iri, "type": "Person"})
    finally:
        await db.close()


async def _states(data_dir: Path) -> dict[str, int]:
    db = Database(load_settings(data_dir, {}).database_url)
    try:
        async with db.transaction() as session:
            return await inbox_items.count_by_state(session)
    finally:
        await db.close()


class ServedNode:
    """A fresh node (init, actors' keys cached) served by `solidarity-node serve`."""

    def __init__(
        self,
        workdir: Path,
        label: str,
        database_url: str | None,
        limit: int,
        actors: list[Any],
        workers: int = 1,
    ) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.data_dir = workdir / label
        env = bench_env()
        extra = ["--database-url", database_url] if database_url else []
        run_cli(self.data_dir, env, "init", "--base-url", f"http://{self.host}", *extra)
        asyncio.run(_seed(self.data_dir, actors))
        command = node_command(self.data_dir, "serve", "--port", str(self.port))
        command += ["--workers", str(workers)]
        # all the load comes from one host: lift its hourly rate limit out of the measurement
        serve_env = env | {
            "SN_INBOX_QUEUE_LIMIT": str(limit),
            "SN_INBOX_RATE_LIMIT_PER_HOUR": str(10**9),
        }
        self.child = Child(f"serve-{label}", command, workdir, serve_env)
        try:
            wait_answers(f"http://{self.host}/.well-known/nodeinfo", self.child)
        except BaseException:
            self.child.stop()
            raise

    def states(self) -> dict[str, int]:
        return asyncio.run(_states(self.data_dir))

    def wait_processed(self) -> tuple[dict[str, int], float]:
        """Waits until no item is pending; the final states and how long it took."""
        start = time.perf_counter()
        found: dict[str, int] = {}

        def idle() -> bool:
            nonlocal found
            found = self.states()
            return found.get("pending", 0) == 0

        wait_until(idle, "the inbox items to be processed", self.child, PROCESS_TIMEOUT)
        return found, time.perf_counter() - start


def ceiling_rate(
    workdir: Path,
    actors: list[loadgen.Actor],
    count: int,
    workers: int = 1,
    connections: int = CONNECTIONS,
) -> float:
    port = free_port()
    keys = workdir / "ceiling-keys.json"
    keys.write_text(json.dumps({a.key_id: a.keys.public_pem for a in actors}))
    env = bench_env(PYTHONPATH=str(REPO))
    command = [PYTHON, "-m", "bench.ceiling", str(port), str(keys), str(workers)]
    child = Child(f"ceiling-{workers}", command, workdir, env)
    try:
        wait_answers(f"http://127.0.0.1:{port}/inbox", child)
        requests = loadgen.presign(actors, f"127.0.0.1:{port}", count, "ceiling")
        result = loadgen.run(port, requests, connections=connections)
    finally:
        child.stop()
    if result["statuses"] != {"202": count}:
        raise RuntimeError(f"the ceiling answered {result['statuses']}")
    return count / float(result["elapsed"])


def node_rate(
    workdir: Path,
    label: str,
    database_url: str | None,
    actors: list[Any],
    count: int,
    workers: int = 1,
) -> dict[str, Any]:
    """Throughput of `count` POSTs (limit far above count: no 503 here), memory before and
    after (of the first process), and the check that every accepted item was processed."""
    node = ServedNode(workdir, label, database_url, 10 * count, actors, workers)
    try:
        time.sleep(1.0)  # settled after start
        idle_mb = rss_mb(node.child.pid)
        workers = children(node.child.pid)  # `serve`'s worker processes
        workers_idle_mb = [rss_mb(pid) for pid in workers]
        requests = loadgen.presign(actors, node.host, count, label)
        cpu = cpu_seconds(node.child.pid)
        result = loadgen.run(node.port, requests, connections=CONNECTIONS)
        cpu = cpu_seconds(node.child.pid) - cpu
        states, drain = node.wait_processed()
        after_mb = rss_mb(node.child.pid)
        workers_after_mb = [rss_mb(pid) for pid in workers]
    finally:
        node.child.stop()
    accepted = result["statuses"].get("202", 0)
    return {
        "worker_processes_rss_idle_mb": workers_idle_mb,
        "worker_processes_rss_after_mb": workers_after_mb,
        "rate": accepted / float(result["elapsed"]),
        "statuses": result["statuses"],
        "cpu_busy": cpu / float(result["elapsed"]),  # of the first process, 1.0 = one core
        "stored": sum(states.values()),
        "states": states,
        "lost": accepted - sum(states.values()),
        "drain_seconds": drain,
        "rss_idle_mb": idle_mb,
        "rss_after_mb": after_mb,
    }


def backpressure(
    workdir: Path, actors: list[Any], sustainable: float, seconds: float, limit: int
) -> dict[str, Any]:
    """Offer 2x the sustainable rate for `seconds` to a node whose queue limit is `limit`."""
    rate = 2 * sustainable
    count = int(rate * seconds)
    node = ServedNode(workdir, "backpressure", None, limit=limit, actors=actors)
    try:
        requests = loadgen.presign(actors, node.host, count, "backpressure")
        result = loadgen.run(node.port, requests, connections=CONNECTIONS * 2, rate=rate)
        states, drain = node.wait_processed()
    finally:
        node.child.stop()
    statuses: dict[str, int] = result["statuses"]
    accepted = statuses.get("202", 0)
    other = sum(n for status, n in statuses.items() if status not in ("202", "503"))
    return {
        "offered_rate": rate,
        "achieved_rate": count / float(result["elapsed"]),
        "requests": count,
        "limit": limit,
        "statuses": statuses,
        "other": other,
        "stored": sum(states.values()),
        "lost": accepted - sum(states.values()),
        "drain_seconds": drain,
    }
