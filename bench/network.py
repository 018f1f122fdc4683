"""The cascade at network scale, as a deployment would run it: 200 organisations on 20 real
`solidarity-node serve` processes (10 each, SQLite, each with its inbox worker process) on
loopback, wired by the seeded ally graph of tests/support/simulation.py (each organisation
allies two or three others, `auto`, and follows them). One call is published at the most-allied
organisation; the figure runs from the API's 201 to the last Announce delivered (the largest
`delivered_at` of the amplifications' deliveries over all nodes), once the origin's cascade
tree holds every organisation the graph reaches.

Allies, follows and the actors each node must know are written to the databases before the
processes start (what Follow/Accept round trips would have left). Organisations' hop caps are
raised to MAX_HOPS so that every reachable organisation is within the call's reach.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import sqlite3
import time
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from bench.procs import (
    START_TIMEOUT,
    Child,
    bench_env,
    free_port,
    node_command,
    wait_answers,
    wait_until,
)
from node.activitypub.objects import ActorView
from node.config import Settings, write_config
from node.federation import profiles
from node.federation.instance_actor import ensure_instance_actor
from node.federation.remote_actors import to_remote
from node.federation.runtime import Runtime, make_runtime
from node.solidarity import organisations
from node.storage import actors, allies, follows, remote_actors
from node.storage.db import Database
from node.storage.follows import ACCEPTED
from node.storage.migrate import migrate
from node.storage.tables import ActorRow
from node.urls import Urls, key_id

PROCESSES = 20
PER_PROCESS = 10
MAX_HOPS = 20
TARGET_SECONDS = 3.0
WAIT_AT_MOST = 120.0
WORKER_STARTED = b"worker started: inbox"  # what the worker process logs once it works


def org_name(i: int) -> str:
    return f"o{i}"


class Member:
    """One node: its data directory, port and (until it serves) an offline Runtime."""

    def __init__(self, workdir: Path, n: int) -> None:
        self.n = n
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = workdir / f"n{n}"
        self.settings = Settings(
            data_dir=self.data_dir,
            base_url=self.base,
            database_url=f"sqlite+aiosqlite:///{self.data_dir / 'node.db'}",
            allow_private_addresses=True,
        )
        self.child: Child | None = None
        self.tokens: dict[str, str] = {}

    def actor(self, org: str) -> str:
        return Urls(self.base).actor(org)


def owner(members: list[Member], i: int) -> Member:
    return members[i // PER_PROCESS]


async def create(member: Member, template: Path, orgs: range) -> Runtime:
    member.data_dir.mkdir(parents=True)
    shutil.copyfile(template, member.data_dir / "node.db")
    write_config(member.settings)
    node = make_runtime(member.settings)
    await ensure_instance_actor(node.db, node.clock, node.urls)
    for i in orgs:
        await organisations.create_organisation(node.db, node.clock, node.urls, org_name(i))
        member.tokens[org_name(i)] = await organisations.create_token(
            node.db, node.clock, org_name(i)
        )
    async with node.db.transaction() as session:
        await session.execute(update(ActorRow).values(max_hops=MAX_HOPS))
    return node


async def wire(members: list[Member], nodes: list[Runtime], graph: dict[int, list[int]]) -> None:
    """j allies i: j's ally row and its follow of i; on i's node, j among the followers; each
    side's actor cached by the other when they live on different nodes."""
    now = datetime.now(UTC)
    documents: dict[int, dict[str, Any]] = {}
    for i in graph:
        node = nodes[i // PER_PROCESS]
        documents[i] = await profiles.actor_document(node, org_name(i))
    for j, chosen in graph.items():
        mine = nodes[j // PER_PROCESS]
        follower = owner(members, j).actor(org_name(j))
        async with mine.db.transaction() as session:
            org_id = (await actors.by_username(session, org_name(j))).id
            for i in chosen:
                target = owner(members, i).actor(org_name(i))
                await allies.put(session, org_id, target, "auto", (), (), now)
                await follows.put(session, follower, target, ACCEPTED, None, now)
        for i in chosen:
            theirs = nodes[i // PER_PROCESS]
            target = owner(members, i).actor(org_name(i))
            async with theirs.db.transaction() as session:
                await follows.put(session, follower, target, ACCEPTED, None, now)
            if theirs is not mine:
                await cache(mine, documents[i])
                await cache(theirs, documents[j])


async def cache(node: Runtime, document: dict[str, Any]) -> None:
    view = ActorView.from_document(document, key_id(document["id"]))
    async with node.db.transaction() as session:
        await remote_actors.upsert(session, to_remote(view, node), document)


async def build(workdir: Path, graph: dict[int, list[int]]) -> list[Member]:
    template = workdir / "template.db"
    db = Database(f"sqlite+aiosqlite:///{template}")
    await migrate(db)
    await db.close()
    members = [Member(workdir, n) for n in range(PROCESSES)]
    nodes = []
    try:
        for member in members:
            start = member.n * PER_PROCESS
            nodes.append(await create(member, template, range(start, start + PER_PROCESS)))
        await wire(members, nodes, graph)
    finally:
        for node in nodes:
            await node.close()
    return members


def serve(workdir: Path, members: list[Member]) -> None:
    """Every node answering and its worker process working its queues, as in a deployment
    (the processes' start, 40 interpreters importing the node at once, is not timed)."""
    for member in members:
        command = node_command(member.data_dir, "serve")
        command += ["--port", str(member.port)]
        member.child = Child(f"net-{member.n}", command, workdir, bench_env())
    for member in members:
        assert member.child is not None
        wait_answers(f"{member.base}/.well-known/nodeinfo", member.child)
    for member in members:
        assert member.child is not None
        wait_until(partial(worker_started, member.child), "worker", member.child, START_TIMEOUT)


def worker_started(child: Child) -> bool:
    return WORKER_STARTED in child.log.read_bytes()


def publish(member: Member, org: str) -> tuple[str, float]:
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {"title": "Evictions", "content": "Come.", "deadline": deadline, "max_hops": MAX_HOPS}
    headers = {"Authorization": f"Bearer {member.tokens[org]}"}
    made = httpx.post(f"{member.base}/api/v1/calls", json=body, headers=headers, timeout=30)
    answered = time.time()
    if made.status_code != 201:
        raise RuntimeError(f"publishing answered {made.status_code}: {made.text}")
    return made.json()["id"], answered


def tree_size(member: Member, org: str, iri: str) -> int:
    headers = {"Authorization": f"Bearer {member.tokens[org]}"}
    key = iri.rsplit("/", 1)[-1]
    found = httpx.get(f"{member.base}/api/v1/calls/{key}/cascade", headers=headers, timeout=30)
    return len({node["actor"] for node in found.json()["nodes"]}) - 1 if found.is_success else 0


def tree_entries(member: Member, iri: str, author: str) -> int:
    """Organisations in the origin's cascade tree, read from its database (what the cascade API
    shows, without making the busiest node answer that API every 50 ms: each answer looks up
    the amplifiers' follower counts, over the network, hourly)."""
    path = member.data_dir / "node.db"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as conn:
        (count,) = conn.execute(
            "SELECT count(DISTINCT actor_iri) FROM cascade_entries "
            "WHERE object_iri = ? AND type = 'Announce' AND actor_iri != ?",
            (iri, author),
        ).fetchone()
    return int(count)


def announces(member: Member, iri: str) -> tuple[int, int, float | None]:
    """Amplifications on this node, their deliveries still pending, the last delivered_at."""
    path = member.data_dir / "node.db"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as conn:
        made = conn.execute(
            "SELECT announce_iri FROM amplifications WHERE object_iri = ? AND state = 'sent'",
            (iri,),
        ).fetchall()
        ids = [row[0] for row in made]
        if not ids:
            return 0, 0, None
        marks = ",".join("?" * len(ids))
        pending, last = conn.execute(
            f"SELECT sum(state = 'pending'), max(delivered_at) FROM deliveries "
            f"WHERE activity_iri IN ({marks})",
            ids,
        ).fetchone()
    when = datetime.fromisoformat(last).replace(tzinfo=UTC).timestamp() if last else None
    return len(ids), int(pending or 0), when


def retried(member: Member) -> Counter[str]:
    """What was tried more than once on this node: deliveries by their last status or error,
    inbox items by their last error (the cascade's delays are retries' backoff)."""
    path = member.data_dir / "node.db"
    found: Counter[str] = Counter()
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as conn:
        for status, error in conn.execute(
            "SELECT last_status, last_error FROM deliveries WHERE attempts > 1"
        ):
            found[f"delivery: {status or (error or '')[:80]}"] += 1
        for (error,) in conn.execute("SELECT last_error FROM inbox_items WHERE attempts > 1"):
            found[f"inbox item: {(error or '')[:80]}"] += 1
    return found


ACCESS_LINE = re.compile(r"node\.access \[\w+\] POST /\S*inbox (\d+) ([\d.]+) ms")


def inbox_posts(members: list[Member]) -> dict[str, Any]:
    """The inbox POSTs every node answered: how many, by status, and how long they took."""
    statuses: Counter[str] = Counter()
    took: list[float] = []
    for member in members:
        if member.child is None or not member.child.log.exists():
            continue
        for match in ACCESS_LINE.finditer(member.child.log.read_text(errors="replace")):
            statuses[match.group(1)] += 1
            took.append(float(match.group(2)))
    took.sort()

    def at(share: float) -> float | None:
        return took[int(share * (len(took) - 1))] if took else None

    return {"statuses": dict(statuses), "median_ms": at(0.5), "p90_ms": at(0.9), "max_ms": at(1)}


def cpu_seconds(members: list[Member]) -> float:
    """CPU time used so far by the nodes' processes (each serve leads its own process group,
    its worker process in it)."""
    groups = {member.child.pid for member in members if member.child is not None}
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups:  # pgrp
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


RETRY_LINE = re.compile(r" failed \((.*)\); again in \d+ s$")
ADDRESS = re.compile(r"127\.0\.0\.1:\d+")


def failed_attempts(member: Member) -> Counter[str]:
    """Why deliveries were retried, from the node's log (the table keeps only the last answer,
    so a delivery that failed and then succeeded shows its 202 there)."""
    found: Counter[str] = Counter()
    if member.child is None or not member.child.log.exists():
        return found
    for line in member.child.log.read_text(errors="replace").splitlines():
        if (match := RETRY_LINE.search(line)) is not None:
            found[ADDRESS.sub("HOST", match.group(1))[:120]] += 1
    return found


def measure(workdir: Path) -> dict[str, Any]:
    from tests.support.keypool import shared_keys
    from tests.support.simulation import SEED, ally_graph, distances

    size = PROCESSES * PER_PROCESS
    graph = ally_graph(size, random.Random(SEED))
    counts: dict[int, int] = {}
    for chosen in graph.values():
        for i in chosen:
            counts[i] = counts.get(i, 0) + 1
    origin = max(counts, key=lambda i: counts[i])
    reachable = len(distances(graph, origin)) - 1
    started = time.perf_counter()
    with shared_keys():
        members = asyncio.run(build(workdir, graph))
    set_up = time.perf_counter() - started
    try:
        serve(workdir, members)
        idle_cpu = cpu_seconds(members)
        load = os.getloadavg()[0]
        home = owner(members, origin)
        iri, answered = publish(home, org_name(origin))
        deadline = time.monotonic() + WAIT_AT_MOST
        author = home.actor(org_name(origin))
        while tree_entries(home, iri, author) < reachable:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        seen = time.time() - answered
        found = [(0, 0, None)] * len(members)
        while time.monotonic() < deadline:
            found = [announces(member, iri) for member in members]
            if sum(pending for _, pending, _ in found) == 0:
                break
            time.sleep(0.2)
        cpu = cpu_seconds(members) - idle_cpu
        retries = sum((retried(member) for member in members), Counter[str]())
        in_api_tree = tree_size(home, org_name(origin), iri)  # the API agrees (not timed)
    finally:
        for member in members:
            if member.child is not None:
                member.child.stop()
    failures = sum((failed_attempts(member) for member in members), Counter[str]())
    lasts = [last for _, _, last in found if last is not None]
    amplified = sum(made for made, _, _ in found)
    return {
        "organisations": size,
        "processes": PROCESSES,
        "reachable": reachable,
        "amplified": amplified,
        "depth": max(distances(graph, origin).values()),
        "set_up_s": set_up,
        "origin_tree_complete_s": seen,
        "propagation_s": (max(lasts) - answered) if lasts and amplified >= reachable else None,
        "target_propagation_s": TARGET_SECONDS,
        "origin_api_tree": in_api_tree,
        "load_average_at_publication": load,
        "cpu_seconds_of_the_nodes": cpu,
        "inbox_posts": inbox_posts(members),
        "retried": dict(retries),
        "failed_attempts": dict(failures),
    }
