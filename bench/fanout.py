"""Fan-out: one activity to 1,000 distinct inboxes on 100 sink hosts (another process, counting).

The node: send() stores the rows, a DeliveryQueue (its defaults: per-host pools, leases, batched
outcomes) works them off; timed from send() until every row is recorded. The ceiling: the same
body, signed per request by the same SigningAuth, POSTed by httpx from one process with one
small pool per host and as many requests at once as the queue allows, no database, no queue.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.procs import PYTHON, Child, bench_env, wait_until
from node.activitypub import audience
from node.activitypub.keys import load_private_key
from node.activitypub.signing_auth import SigningAuth
from node.clock import SystemClock
from node.config import Settings
from node.federation import sending
from node.federation.delivery_queue import DEFAULT_CONCURRENCY, DEFAULT_PER_HOST, DeliveryQueue
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime, make_runtime
from node.solidarity import organisations
from node.storage import deliveries as delivery_rows
from node.storage.actors import LocalActor
from node.storage.db import Database
from node.storage.migrate import migrate
from node.urls import authority

HOSTS = 100
PER_HOST = 10
TIMEOUT = 120.0
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


class Sinks:
    """The counting sinks (bench/sinks.py) on HOSTS loopback ports."""

    def __init__(self, workdir: Path, repo: Path) -> None:
        ports_file = workdir / "sink-ports"
        env = bench_env(PYTHONPATH=str(repo))
        command = [PYTHON, "-m", "bench.sinks", str(HOSTS), str(ports_file)]
        self.child = Child("sinks", command, workdir, env)
        wait_until(ports_file.exists, "the sinks' ports", self.child, 30)
        wait_until(lambda: bool(ports_file.read_text()), "the sinks' ports", self.child, 30)
        self.hosts = [f"127.0.0.1:{port}" for port in ports_file.read_text().split()]
        wait_until(self._answers, "the sinks to answer", self.child, 30)

    def _answers(self) -> bool:
        try:
            self.counts()
            return True
        except httpx.TransportError:
            return False

    def counts(self) -> tuple[int, int]:
        posts, signed = httpx.get(f"http://{self.hosts[0]}/count", timeout=5).text.split()
        return int(posts), int(signed)

    def inboxes(self) -> list[str]:
        return [f"http://{h}/users/u{n}/inbox" for h in self.hosts for n in range(PER_HOST)]


async def _node(workdir: Path) -> tuple[Runtime, LocalActor]:
    data_dir = workdir / "fanout-node"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        data_dir=data_dir,
        base_url="http://127.0.0.1:9",  # never served: the node only sends here
        database_url=f"sqlite+aiosqlite:///{data_dir / 'node.db'}",
        allow_private_addresses=True,
    )
    db = Database(settings.database_url)
    await migrate(db)
    await db.close()
    node = make_runtime(settings)
    await ensure_instance_actor(node.db, node.clock, node.urls)
    actor = await organisations.create_organisation(node.db, node.clock, node.urls, "bench")
    await node.start()
    return node, actor


def activity(node: Runtime, key: str) -> dict[str, Any]:
    author = node.urls.actor("bench")
    note = {
        "id": node.urls.publication("call", key),
        "type": "Note",
        "attributedTo": author,
        "content": "<p>Call for solidarity: bring food to the port on Friday.</p>",
        "to": [PUBLIC],
        "published": "2026-11-21T11:00:00Z",
    }
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": node.urls.activity(key),
        "type": "Create",
        "actor": author,
        "to": [PUBLIC],
        "object": note,
    }


async def _ceiling(node: Runtime, actor: LocalActor, inboxes: list[str]) -> float:
    body = audience.serialise(activity(node, "ceiling")).encode()
    auth = SigningAuth(
        node.urls.key_id(node.urls.actor("bench")),
        load_private_key(actor.private_key_pem),
        SystemClock(),
    )
    limits = httpx.Limits(max_connections=DEFAULT_PER_HOST)
    clients = {
        host: httpx.AsyncClient(limits=limits) for host in {authority(inbox) for inbox in inboxes}
    }
    gate = asyncio.Semaphore(DEFAULT_CONCURRENCY)
    headers = {"Content-Type": "application/activity+json"}

    async def post(inbox: str) -> None:
        async with gate:
            client = clients[authority(inbox)]
            response = await client.post(inbox, content=body, headers=headers, auth=auth)
            if response.status_code != 202:
                raise RuntimeError(f"{inbox} answered {response.status_code}")

    start = time.perf_counter()
    await asyncio.gather(*(post(inbox) for inbox in delivery_rows.interleave_hosts(inboxes)))
    elapsed = time.perf_counter() - start
    for client in clients.values():
        await client.aclose()
    return len(inboxes) / elapsed


async def _through_queue(node: Runtime, actor: LocalActor, inboxes: list[str]) -> dict[str, Any]:
    queue = DeliveryQueue(node)
    start = time.perf_counter()
    added = await sending.send(node, actor, activity(node, "fanout"), extra_inboxes=inboxes)
    try:
        while sum(queue.stats.values()) < added:
            if time.perf_counter() - start > TIMEOUT:
                raise TimeoutError(f"fan-out not done after {TIMEOUT}s: {queue.stats}")
            await queue.run_once(50)
        elapsed = time.perf_counter() - start
    finally:
        await queue.aclose()
    async with node.db.transaction() as session:
        counts = await delivery_rows.counts(session)
    return {"rate": added / elapsed, "rows": added, "delivered": counts.delivered}


async def _measure(workdir: Path, sinks: Sinks) -> dict[str, Any]:
    node, actor = await _node(workdir)
    try:
        inboxes = sinks.inboxes()
        before = sinks.counts()
        ceiling = await _ceiling(node, actor, inboxes)
        middle = sinks.counts()
        through = await _through_queue(node, actor, inboxes)
        after = sinks.counts()
    finally:
        await node.close()
    return {
        "inboxes": len(inboxes),
        "hosts": len(sinks.hosts),
        "ceiling_rate": ceiling,
        "node_rate": through["rate"],
        "node_rows": through["rows"],
        "node_delivered": through["delivered"],
        "sink_posts_ceiling": middle[0] - before[0],
        "sink_posts_node": after[0] - middle[0],
        "sink_signed_node": after[1] - middle[1],
    }


def measure(workdir: Path, repo: Path) -> dict[str, Any]:
    sinks = Sinks(workdir, repo)
    try:
        return asyncio.run(_measure(workdir, sinks))
    finally:
        sinks.child.stop()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sn-fanout-") as temporary:
        print(measure(Path(temporary), Path(__file__).resolve().parent.parent))


if __name__ == "__main__":
    main()
