"""How soon the worker acts, on one `solidarity-node serve` (SQLite) on loopback, with sinks
(bench/sinks.py) recording when each POST arrived:

- first delivery: `POST /api/v1/calls` (201) until the first of 100 follower hosts has the
  call's Create, and until all 100 have it (ten calls, one after another);
- amplification: an ally (auto policy) POSTs its call to the node's inbox; from the moment the
  request (signed beforehand) was sent until a follower host of the amplifying organisation
  has its Announce;
- critical over a backlog: 5,000 deliveries of a normal call wait (sinks answer after 0.2 s,
  so they take ~15 s); then a critical call to ten hosts: 201 until all ten have it;
- head of line: ten inbox items wait on a host that accepts connections and never answers;
  then a call: 201 until its one follower has it.

Each figure is the median of the repetitions (the note gives the worst); targets: the issue's.
"""

from __future__ import annotations

import socket
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import Arrival, Remote, Seed, Served, Sinks, call_body, remotes
from node.activitypub.keys import generate_key_pair
from node.activitypub.vocabulary import CONTEXT, PUBLIC
from node.storage import inbox_items
from node.storage.db import Database

REPEAT = 10
FOLLOWER_HOSTS = 100
BACKLOG_HOSTS = 50
BACKLOG_PER_HOST = 100  # 5,000 inboxes
BACKLOG_DELAY = 0.2
CRITICAL_HOSTS = 10
STUCK_ITEMS = 10
WAIT_AT_MOST = 60.0


def wait_for(check: Callable[[], Any], timeout: float, interval: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(interval)
    return None


def arrivals_of(sinks: Sinks, activity_id: str, want: int, timeout: float) -> list[Arrival]:
    """The sinks' arrivals of `activity_id`, once `want` of them came (or what came by then)."""
    seen: list[Arrival] = []

    def enough() -> bool:
        seen[:] = [a for a in sinks.log() if a.id == activity_id]
        return len(seen) >= want

    wait_for(enough, timeout, interval=0.02)
    return sorted(seen, key=lambda a: a.at)


def publish(
    node: Served, title: str, urgency: str = "normal", org: str | None = None
) -> tuple[str, float]:
    """Publishes a call; its Create's id and the wall-clock time the 201 arrived."""
    made = node.api("POST", "/calls", call_body(title, urgency), org=org)
    answered = time.time()
    if made.status_code != 201:
        raise RuntimeError(f"POST /api/v1/calls answered {made.status_code}: {made.text}")
    return f"{made.json()['id']}/activity", answered


def first_delivery(workdir: Path) -> dict[str, Any]:
    sinks = Sinks(workdir, FOLLOWER_HOSTS, name="first-sinks", record=True)
    try:
        node = Served(workdir, "first", Seed(orgs={"bench": remotes(sinks.hosts)}))
        try:
            firsts, lasts = [], []
            for n in range(REPEAT):
                activity, answered = publish(node, f"Call {n}")
                came = arrivals_of(sinks, activity, FOLLOWER_HOSTS, WAIT_AT_MOST)
                if len(came) < FOLLOWER_HOSTS:
                    raise RuntimeError(f"{len(came)} of {FOLLOWER_HOSTS} hosts got {activity}")
                firsts.append(came[0].at - answered)
                lasts.append(came[-1].at - answered)
        finally:
            node.stop()
    finally:
        sinks.stop()
    return {
        "first_ms": 1000 * statistics.median(firsts),
        "first_worst_ms": 1000 * max(firsts),
        "all_ms": 1000 * statistics.median(lasts),
        "all_worst_ms": 1000 * max(lasts),
        "hosts": FOLLOWER_HOSTS,
        "repeat": REPEAT,
    }


def ally_call(ally: Remote, key: str) -> dict[str, Any]:
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    note = {
        "id": f"{ally.iri}/calls/{key}",
        "type": "Note",
        "attributedTo": ally.iri,
        "kind": "call",
        "title": "Evictions at dawn",
        "urgency": "high",
        "deadline": deadline,
        "content": "<p>Come to the port at dawn.</p>",
        "to": [PUBLIC],
        "cc": [f"{ally.iri}/followers"],
        "published": datetime.now(UTC).isoformat(),
    }
    return {
        "@context": CONTEXT,
        "id": f"{ally.iri}/activities/{key}",
        "type": "Create",
        "actor": ally.iri,
        "to": [PUBLIC],
        "cc": [f"{ally.iri}/followers"],
        "object": note,
    }


def amplification(workdir: Path) -> dict[str, Any]:
    sinks = Sinks(workdir, 20, name="amp-sinks", record=True)
    try:
        ally = Remote(sinks.hosts[0], "ally", generate_key_pair())
        followers = remotes(sinks.hosts[1:])
        seed = Seed(orgs={"bench": followers}, allies=[(ally, "auto")])
        node = Served(workdir, "amplification", seed)
        try:
            took = []
            for _ in range(REPEAT):
                since = len(sinks.log())
                request = node.signed(ally, ally_call(ally, uuid.uuid4().hex))
                sent = time.time()
                status = node.post_signed(*request)
                if status != 202:
                    raise RuntimeError(f"the node answered {status} to the ally's call")

                def announced(since: int = since) -> list[Arrival]:
                    return [a for a in sinks.log(since) if a.type == "Announce"]

                found = wait_for(announced, WAIT_AT_MOST)
                if not found:
                    raise RuntimeError("no Announce reached a follower")
                took.append(min(a.at for a in found) - sent)
                wait_for(lambda: len(announced()) >= len(followers) + 1, 10)
        finally:
            node.stop()
    finally:
        sinks.stop()
    return {"ms": 1000 * statistics.median(took), "worst_ms": 1000 * max(took), "repeat": REPEAT}


def critical_over_backlog(workdir: Path) -> dict[str, Any]:
    sinks = Sinks(
        workdir,
        BACKLOG_HOSTS,
        name="backlog-sinks",
        record=True,
        slow=BACKLOG_HOSTS,
        delay=BACKLOG_DELAY,
    )
    try:
        busy = remotes(sinks.hosts, BACKLOG_PER_HOST)
        urgent = remotes(sinks.hosts[:CRITICAL_HOSTS], 1)
        seed = Seed(orgs={"busy": busy, "urgent": urgent}, shared_inboxes=False)
        node = Served(workdir, "backlog", seed)
        try:
            normal, _ = publish(node, "Bring food", "normal", org="busy")
            wait_for(lambda: len(sinks.log()) >= 200, WAIT_AT_MOST)  # the backlog is being sent
            critical, answered = publish(node, "Evictions now", "critical", org="urgent")
            came = arrivals_of(sinks, critical, CRITICAL_HOSTS, WAIT_AT_MOST)
            log = sinks.log()
            backlog_left = len(busy) - sum(1 for a in log if a.id == normal and a.at <= came[-1].at)
        finally:
            node.stop()
    finally:
        sinks.stop()
    return {
        "seconds": came[-1].at - answered if len(came) == CRITICAL_HOSTS else None,
        "delivered": len(came),
        "backlog": len(busy),
        "backlog_waiting_then": backlog_left,
    }


@contextmanager
def never_answering() -> Iterator[str]:
    """A loopback port whose connections are accepted (by the kernel) and never answered."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@contextmanager
def _stopping(sinks: Sinks) -> Iterator[Sinks]:
    try:
        yield sinks
    finally:
        sinks.stop()


def stuck_create(actor: Remote, key: str) -> dict[str, Any]:
    """A Create whose object is only named: the worker must fetch it from the actor's host."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/activities/{key}",
        "type": "Create",
        "actor": actor.iri,
        "to": [PUBLIC],
        "object": f"{actor.iri}/notes/{key}",
    }


def head_of_line(workdir: Path) -> dict[str, Any]:
    sinks = Sinks(workdir, 1, name="hol-sinks", record=True)
    with never_answering() as dead, _stopping(sinks):
        stuck = Remote(dead, "stuck", generate_key_pair())
        waiting = [stuck_create(stuck, f"k{n}") for n in range(STUCK_ITEMS)]

        async def store_waiting(db: Database) -> None:
            """The items are stored before the node starts, so its worker takes them at once."""
            now = datetime.now(UTC)
            new = [
                inbox_items.NewItem(doc["id"], stuck.iri, "Create", None, doc, now)
                for doc in waiting
            ]
            async with db.engine.begin() as conn:
                await inbox_items.store_batch(conn, new)

        seed = Seed(orgs={"bench": remotes(sinks.hosts)}, known=[stuck], extra=store_waiting)
        node = Served(workdir, "head-of-line", seed)
        try:
            time.sleep(0.5)  # the worker has taken the items and waits on the host
            activity, answered = publish(node, "Evictions")
            came = arrivals_of(sinks, activity, 1, WAIT_AT_MOST)
        finally:
            node.stop()
    return {
        "seconds": came[0].at - answered if came else None,
        "waited_at_most": WAIT_AT_MOST,
        "stuck_items": STUCK_ITEMS,
    }
