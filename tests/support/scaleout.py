"""One node on PostgreSQL run as several `serve` and `worker` processes on loopback, delivering
to counting sinks (counting_sinks.py, a process of its own); shared by
tests/network/test_scaleout.py (which checks that nothing is lost or doubled) and
bench/scaleout.py (which measures the delivery rate by number of workers).

The node's followers are remote actors with an inbox each on a sink host, stored directly (the
test is about delivery, not about follows). Every wait polls with a deadline.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from node.clock import SystemClock
from node.config import load_settings
from node.solidarity import organisations
from node.storage import deliveries, follows, remote_actors
from node.storage.db import Database
from node.storage.deliveries import DeliveryCounts
from node.storage.remote_actors import RemoteActor
from node.urls import Urls
from tests.support.processes import (
    NODE_SCRIPT,
    START_TIMEOUT,
    LoopbackNode,
    Process,
    free_port,
    node_env,
    wait_until,
)

SINKS_SCRIPT = Path(__file__).with_name("counting_sinks.py")
ORG = "origin"
HTTP_TIMEOUT = 10.0


class CountingSinks:
    """The counting sinks on `hosts` loopback ports, in their own process."""

    def __init__(self, hosts: int, logs: Path) -> None:
        port_file = logs / "sink-ports"
        command = [sys.executable, str(SINKS_SCRIPT), str(hosts), str(port_file)]
        self.process = Process.start("sinks", command, node_env(), logs, logs)
        wait_until(port_file.exists, "the sinks' ports", self.process, START_TIMEOUT)
        self.hosts = [f"127.0.0.1:{port}" for port in port_file.read_text().split()]
        wait_until(self._answers, "the sinks to answer", self.process, START_TIMEOUT)

    def _answers(self) -> bool:
        try:
            self.progress()
        except httpx.TransportError:
            return False
        return True

    def inboxes(self) -> list[str]:
        return [f"http://{host}/users/follower/inbox" for host in self.hosts]

    def progress(self) -> dict[str, Any]:
        found: dict[str, Any] = httpx.get(f"http://{self.hosts[0]}/progress", timeout=5).json()
        return found

    def counts(self) -> Counter[str]:
        """Deliveries by "INBOX ACTIVITY"."""
        found = httpx.get(f"http://{self.hosts[0]}/counts", timeout=30).json()
        return Counter({key: int(n) for key, n in found["counts"].items()})

    def stop(self) -> None:
        self.process.stop()


@dataclass
class Cluster:
    """The node's data directory and its processes: `serve --no-worker`s and `worker`s."""

    node: LoopbackNode
    serves: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    serve_ports: list[int] = field(default_factory=list)
    worker_ports: dict[str, int] = field(default_factory=dict)

    @property
    def processes(self) -> list[Process]:
        return [*self.serves, *self.workers]

    def start_serve(self) -> Process:
        port = self.node.port if not self.serves else free_port()
        name = f"serve-{len(self.serves) + 1}"
        command = [*self._command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        process = Process.start(name, [*command, "--no-worker"], self.node.env, *self._where())
        self.serves.append(process)
        self.serve_ports.append(port)
        return process

    def start_worker(self) -> Process:
        port = free_port()
        name = f"worker-{len(self.workers) + 1}"
        command = [*self._command(), "worker", "--metrics-port", str(port)]
        process = Process.start(name, command, self.node.env, *self._where())
        self.workers.append(process)
        self.worker_ports[name] = port
        return process

    def wait_ready(self) -> None:
        """Until every serve and worker started answers /readyz."""
        ports = [*self.serve_ports, *self.worker_ports.values()]
        processes = [*self.serves, *self.workers]
        for port, process in zip(ports, processes, strict=True):
            url = f"http://127.0.0.1:{port}/readyz"
            wait_until(lambda u=url: ready(u), f"{url} to answer", process, START_TIMEOUT)

    def stop(self) -> None:
        for process in [*self.workers, *self.serves]:
            process.stop()

    def _command(self) -> list[str]:
        return [str(NODE_SCRIPT), "--data-dir", str(self.node.data_dir)]

    def _where(self) -> tuple[Path, Path]:
        return self.node.logs, self.node.logs


def ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def set_up(node: LoopbackNode, database_url: str, inboxes: list[str], lease: int) -> None:
    """`init` on PostgreSQL, the organisation and its token, one follower per inbox."""
    node.env["SN_DELIVERY_LEASE_SECONDS"] = str(lease)
    node.init(database_url)
    node.tokens[ORG] = asyncio.run(add_org(node.data_dir))  # in process: two CLI starts less
    node.query(lambda session: add_followers(session, node.actor(ORG), inboxes))


async def add_org(data_dir: Path) -> str:
    """What `org create` and `token create` do; returns the token."""
    settings = load_settings(data_dir, {})
    db = Database(settings.database_url)
    try:
        clock, urls = SystemClock(), Urls(settings.base_url)
        await organisations.create_organisation(db, clock, urls, ORG, "Origin")
        return await organisations.create_token(db, clock, ORG)
    finally:
        await db.close()


async def add_followers(session: AsyncSession, target: str, inboxes: list[str]) -> None:
    now = datetime.now(UTC)
    for inbox in inboxes:
        iri = inbox.removesuffix("/inbox")
        actor = RemoteActor(
            iri=iri,
            type="Person",
            key_id=f"{iri}#main-key",
            public_key_pem=None,
            username="follower",
            name=None,
            inbox=inbox,
            shared_inbox=None,
            followers=None,
            fetched_at=now,
            gone=False,
        )
        await remote_actors.upsert(session, actor, {"id": iri, "type": "Person"})
        await follows.put(session, iri, target, follows.ACCEPTED, None, now)


def publish(node: LoopbackNode, port: int, number: int) -> str:
    """A public strategy through the API of the serve process on `port`; returns its id."""
    response = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/strategies",
        headers={"Authorization": f"Bearer {node.tokens[ORG]}"},
        json={"title": f"Strategy {number}", "content": f"Step {number}: organise."},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 201, response.text
    found: str = response.json()["id"]
    return found


def delivery_counts(node: LoopbackNode) -> DeliveryCounts:
    return node.query(deliveries.counts)


def metric(port: int, name: str) -> float:
    """The sum of a metric's samples on a process's /metrics (0 when it has none)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=HTTP_TIMEOUT).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    )
