"""Sustained processing: signed Mastodon-shaped Create(Note)s offered by many connections to
one `solidarity-node serve`, timed from the first request to the last item processed (the
largest `done_at`), against the bare verify-and-202 ceiling of the same run. The same run
gives acceptance while the worker runs (the 202 rate during the load) and, once everything is
processed, the first-delivery latency of a new call to 100 follower hosts.

The same measurements with 10^4, 10^5 and 10^6 objects already stored, and with a backlog of
10,000 inbox items and 10,000 deliveries waiting for their retry (due in an hour, so every claim
must pass them by), show whether the per-item cost stays flat as the work grows. On
PostgreSQL the load is worked by 1, 2 and 4 worker processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import loadgen
from bench.harness import Seed, Served, Sinks, remotes
from bench.latency import FOLLOWER_HOSTS, arrivals_of, publish
from bench.procs import (
    Child,
    bench_env,
    children,
    cpu_seconds,
    node_command,
    rss_mb,
    wait_until,
)
from node.storage import inbox_items, remote_actors
from node.storage.db import Database
from node.storage.remote_actors import RemoteActor
from node.storage.tables import InboxItemRow

COUNT = 20_000
CONNECTIONS = 50
ACTORS = 20
# the load generator's actors share one host: its hourly rate limit is lifted out of the
# measurement (as in bench/inbox.py)
ONE_HOST = {"SN_INBOX_RATE_LIMIT_PER_HOUR": str(10**9)}
LATENCY_REPEAT = 5
PROCESS_TIMEOUT = 600.0
WAITING = 10_000
OBJECT_CHUNK = 20_000


@dataclass(frozen=True)
class Load:
    """What a run starts from: objects already stored, items and deliveries waiting."""

    objects: int = 0
    waiting: int = 0


def known_actors(actors: list[loadgen.Actor]) -> Callable[[Database], Awaitable[None]]:
    """Seeds the load generator's actors with their keys (as after their first activity)."""

    async def seed(db: Database) -> None:
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

    return seed


def _note(n: int) -> tuple[str, str, str]:
    actor = f"https://stored{n % 500}.example/users/u{n % 7}"
    iri = f"{actor}/statuses/{n}"
    document = {
        "id": iri,
        "type": "Note",
        "attributedTo": actor,
        "content": f"<p>Stored note {n}: solidarity with the strike at the port.</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{actor}/followers"],
        "published": "2026-11-01T10:00:00Z",
    }
    return iri, actor, json.dumps(document)


def store_objects_sqlite(path: Path, count: int) -> None:
    """`count` received notes, written straight into the node's SQLite file (its search index
    triggers included), as years of following busy accounts would leave them."""
    published = "2026-11-01 10:00:00.000000"
    with closing(sqlite3.connect(path)) as conn:
        for start in range(0, count, OBJECT_CHUNK):
            rows = []
            for n in range(start, min(count, start + OBJECT_CHUNK)):
                iri, actor, document = _note(n)
                text = f"Stored note {n}: solidarity with the strike at the port."
                rows.append((iri, actor, "Note", "public", document, published, text))
            conn.executemany(
                "INSERT INTO objects (iri, actor_iri, type, visibility, document, published, "
                "body_text, is_pledge) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                rows,
            )
            conn.commit()


async def store_objects(db: Database, count: int) -> None:
    """The same on any database, through SQLAlchemy core (PostgreSQL)."""
    from node.storage.tables import ObjectRow

    table = ObjectRow.__table__
    published = datetime(2026, 11, 1, 10, tzinfo=UTC)
    for start in range(0, count, OBJECT_CHUNK):
        rows = []
        for n in range(start, min(count, start + OBJECT_CHUNK)):
            iri, actor, document = _note(n)
            rows.append(
                {
                    "iri": iri,
                    "actor_iri": actor,
                    "type": "Note",
                    "visibility": "public",
                    "document": json.loads(document),
                    "published": published,
                    "body_text": "Stored note.",
                    "is_pledge": False,
                }
            )
        async with db.engine.begin() as conn:
            await conn.execute(table.insert(), rows)  # type: ignore[attr-defined]


async def store_waiting(db: Database, count: int) -> None:
    """`count` inbox items and `count` deliveries waiting for a retry an hour from now."""
    from node.storage.tables import ActorRow, DeliveryRow

    later = datetime.now(UTC) + timedelta(hours=1)
    now = datetime.now(UTC)
    async with db.engine.begin() as conn:
        actor_id = (await conn.execute(select(func.min(ActorRow.id)))).scalar_one()
        items = []
        for n in range(count):
            iri = f"https://waiting.example/activities/{n}"
            document = {"id": iri, "type": "Like", "actor": "https://waiting.example/users/w"}
            document["object"] = f"https://waiting.example/notes/{n}"
            items.append(
                {
                    "activity_iri": iri,
                    "actor_iri": document["actor"],
                    "type": "Like",
                    "document": document,
                    "state": "pending",
                    "attempts": 1,
                    "next_attempt_at": later,
                    "received_at": now,
                }
            )
        await conn.execute(InboxItemRow.__table__.insert(), items)  # type: ignore[attr-defined]
        rows = [
            {
                "activity_iri": f"https://node.example/activities/w{n}",
                "actor_id": actor_id,
                "inbox_url": f"https://waiting{n % 100}.example/users/u{n}/inbox",
                "host": f"waiting{n % 100}.example",
                "body": "{}",
                "state": "pending",
                "attempts": 1,
                "next_attempt_at": later,
                "created_at": now,
            }
            for n in range(count)
        ]
        await conn.execute(DeliveryRow.__table__.insert(), rows)  # type: ignore[attr-defined]


def seeding(actors: list[loadgen.Actor], load: Load, sqlite_path: Path | None) -> Any:
    async def seed(db: Database) -> None:
        await known_actors(actors)(db)
        if load.objects and sqlite_path is None:
            await store_objects(db, load.objects)
        if load.waiting:
            await store_waiting(db, load.waiting)

    return seed


async def _last_done(session: Any) -> datetime | None:
    return await session.scalar(select(func.max(InboxItemRow.done_at)))  # type: ignore[no-any-return]


def run(
    workdir: Path,
    label: str,
    sinks: Sinks,
    actors: list[loadgen.Actor],
    *,
    count: int | None = None,
    load: Load = Load(),
    database_url: str | None = None,
    worker_processes: int = 0,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One node, `count` Creates (COUNT unless given); rates, CPU, memory and latency
    afterwards."""
    count = count or COUNT
    sqlite_path = None if database_url else workdir / label / "node.db"
    seed = Seed(orgs={"bench": remotes(sinks.hosts)}, extra=seeding(actors, load, sqlite_path))
    started = time.perf_counter()
    if sqlite_path is not None and load.objects:
        seed.extra = _then_objects(seed.extra, sqlite_path, load.objects)
    node = Served(
        workdir,
        label,
        seed,
        database_url=database_url,
        env=ONE_HOST | {"SN_INBOX_QUEUE_LIMIT": str(10 * count + load.waiting)} | (env or {}),
    )
    set_up = time.perf_counter() - started
    workers = [
        Child(
            f"worker-{label}-{n}",
            node_command(node.data_dir, "worker"),
            workdir,
            bench_env() | (env or {}),
        )
        for n in range(worker_processes)
    ]
    try:
        time.sleep(1.0)
        pids = [node.child.pid, *children(node.child.pid), *(w.pid for w in workers)]
        idle_mb = [rss_mb(pid) for pid in pids]
        requests = loadgen.presign(actors, node.host, count, label)
        cpu = [cpu_seconds(pid) for pid in pids]
        result = loadgen.run(node.port, requests, connections=CONNECTIONS)
        cpu_load = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu, strict=True)]
        pending: list[int] = [1]

        def processed() -> bool:
            pending[0] = node.query(inbox_items.count_pending)
            return pending[0] <= load.waiting

        wait_until(processed, "the items to be processed", node.child, PROCESS_TIMEOUT)
        last = node.query(_last_done)
        cpu_all = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu, strict=True)]
        after_mb = [rss_mb(pid) for pid in pids]
        latency = first_delivery(node, sinks)
    finally:
        for worker in workers:
            worker.stop()
        node.stop()
    accepted = result["statuses"].get("202", 0)
    assert last is not None
    span = last.timestamp() - result["started_at"]
    return {
        "count": count,
        "load": {"objects": load.objects, "waiting": load.waiting},
        "set_up_s": set_up,
        "statuses": result["statuses"],
        "accept_rate": accepted / float(result["elapsed"]),
        "accept_seconds": result["elapsed"],
        "processed_rate": accepted / span,
        "processed_seconds": span,
        "cpu_during_load_s": cpu_load,
        "cpu_total_s": cpu_all,
        "cpu_per_item_ms": 1000 * sum(cpu_all) / max(accepted, 1),
        "rss_idle_mb": idle_mb,
        "rss_after_mb": after_mb,
        "worker_processes": worker_processes,
        **latency,
    }


def _then_objects(
    extra: Callable[[Database], Awaitable[None]] | None, path: Path, count: int
) -> Callable[[Database], Awaitable[None]]:
    async def seed(db: Database) -> None:
        if extra is not None:
            await extra(db)
        await db.close()  # release the file's connection before writing it directly
        await asyncio.to_thread(store_objects_sqlite, path, count)

    return seed


def first_delivery(node: Served, sinks: Sinks) -> dict[str, Any]:
    firsts = []
    for n in range(LATENCY_REPEAT):
        activity, answered = publish(node, f"Latency {n}")
        came = arrivals_of(sinks, activity, FOLLOWER_HOSTS, 60)
        if not came:
            raise RuntimeError(f"no follower host got {activity}")
        firsts.append(came[0].at - answered)
    return {
        "first_delivery_ms": 1000 * statistics.median(firsts),
        "first_delivery_worst_ms": 1000 * max(firsts),
    }


OVERLOAD_SECONDS = 180.0
SAMPLE_SECONDS = 10.0


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine so far."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return float(sum(fields) - idle), float(sum(fields))


def overload(
    workdir: Path, sinks: Sinks, actors: list[loadgen.Actor], rate: float
) -> dict[str, Any]:
    """Offer `rate` Creates a second for OVERLOAD_SECONDS (above what the node processes) and
    sample, every SAMPLE_SECONDS, what was processed, the node's CPU (every process of it) and
    the machine's: whether the processing rate falls with the backlog, and whether the node
    then costs more per item (the node) or gets less of the CPU (the machine)."""
    count = int(rate * OVERLOAD_SECONDS)
    seed = Seed(orgs={"bench": remotes(sinks.hosts)}, extra=seeding(actors, Load(), None))
    env = ONE_HOST | {"SN_INBOX_QUEUE_LIMIT": str(10 * count)}
    node = Served(workdir, "overload", seed, env=env)
    samples: list[dict[str, float]] = []
    try:
        pids = [node.child.pid, *children(node.child.pid)]
        requests = loadgen.presign(actors, node.host, count, "overload")
        loading = threading.Thread(
            target=loadgen.run, args=(node.port, requests), kwargs={"connections": 64, "rate": rate}
        )
        db = node.database()
        loading.start()
        started = time.time()
        last = (started, 0, sum(cpu_seconds(p) for p in pids), *machine_busy())
        while loading.is_alive():
            loading.join(SAMPLE_SECONDS)
            now = time.time()
            done = asyncio.run(_done(db))
            cpu = sum(cpu_seconds(p) for p in pids)
            busy, total = machine_busy()
            span = now - last[0]
            processed = done - last[1]
            samples.append(
                {
                    "at_s": now - started,
                    "processed_per_s": processed / span,
                    "node_cpu_share": (cpu - last[2]) / span,  # 1.0 = one core
                    "node_cpu_ms_per_item": 1000 * (cpu - last[2]) / max(processed, 1),
                    "machine_busy_share": (busy - last[3]) / max(total - last[4], 1),
                    "load_average": os.getloadavg()[0],
                    "backlog": asyncio.run(_pending(db)),
                }
            )
            last = (now, done, cpu, busy, total)
        asyncio.run(db.close())
    finally:
        node.stop()
    return {"offered_rate": rate, "seconds": OVERLOAD_SECONDS, "samples": samples}


async def _done(db: Database) -> int:
    async with db.transaction() as session:
        return (await inbox_items.count_by_state(session)).get("done", 0)


async def _pending(db: Database) -> float:
    async with db.transaction() as session:
        return float(await inbox_items.count_pending(session))
