"""Hostile documents: the worst received documents that fit in 1 MiB, each signed by a known
actor and POSTed to `solidarity-node serve` (SQLite), against the bound of the issue: each
costs the node at most 50 ms of CPU from the request to the end of its effects in the worker,
or is refused (4xx); and a GET made meanwhile answers within 50 ms.

CPU is that of the serve process and the processes it started, its worker process and its
screening process (all their threads: from the first byte of the request to the last effect in
the worker) over ROUNDS documents of a kind, sent one after another, each waited for until its
inbox item is done, divided by ROUNDS, less the idle processes' CPU over the same time (their
rate measured over IDLE_CPU_SECONDS just before); /proc counts in 10 ms ticks, hence the rounds
and the idle window (with 8 rounds and half a second, one tick of error per process moved a
kind's figure by several milliseconds). The figures keep serve's share (the request), the
screening process's (parsing and bounding bodies over 16 KiB) and the worker's (the effects)
apart; a large document is sent first, so that the screening process runs before any count.
The GET latency is measured in a second pass of the same kind, by another process asking for
an actor every 5 ms while the documents go in and are processed; the same GETs for a few
seconds with nothing in flight give, in the same run, what the machine's load alone does to
them (`idle_gets`).
Requests are built and signed before either clock starts. `python -m bench.hostile [WORD...]`
measures only the kinds whose names hold a word.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import loadgen
from bench.inbox import ServedNode
from bench.procs import bench_env, children, cpu_seconds, run_cli
from node.activitypub.keys import load_private_key
from node.activitypub.signatures import sign_request

ROUNDS = 16
IDLE_CPU_SECONDS = 2.0  # the processes' own CPU with nothing in flight, subtracted
IDLE_SECONDS = 3.0  # GETs with no document in flight: the machine's own noise
CPU_BOUND_MS = 50.0
GET_BOUND_MS = 50.0
MAX_BODY = 1_048_576
AS2 = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS2}#Public"

Build = Callable[[loadgen.Actor, str, str], dict[str, Any]]


def note(actor: loadgen.Actor, key: str, **fields: Any) -> dict[str, Any]:
    obj = {
        "id": f"{actor.iri}/notes/{key}",
        "type": "Note",
        "attributedTo": actor.iri,
        "content": "<p>Solidarity.</p>",
        "to": [PUBLIC],
        "published": "2026-11-21T11:00:00Z",
    } | fields
    return {
        "@context": AS2,
        "id": f"{actor.iri}/activities/{key}",
        "type": "Create",
        "actor": actor.iri,
        "to": [PUBLIC],
        "object": obj,
    }


def ordinary(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    return note(actor, key)


def large_note(actor: loadgen.Actor) -> dict[str, Any]:
    """Over 16 KiB, so serve starts its screening process (sent before anything is measured)."""
    return note(actor, "warm-up", content="<p>" + "Solidarity. " * 2_000 + "</p>")


def scoped_contexts(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    """The review's shape: a property-scoped context that pyld re-applies at every node."""
    inner = {f"t{i}": f"https://remote.bench.example/ns#t{i}" for i in range(100)}
    context = [AS2, {"x": {"@id": "https://remote.bench.example/ns#x", "@context": inner}}]
    document = note(actor, key)
    document["@context"] = context
    document["x"] = [{"x": {"t1": i, "t2": i}} for i in range(25_000)]
    return document


def values_at_the_bound(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    tags = [{"type": "Hashtag", "name": f"#t{i}"} for i in range(6_600)]
    return note(actor, key, tag=tags)


def values_elsewhere(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    """The same values in a property of the sender's own, which nothing reads."""
    return note(actor, key, extension=[{"type": "Thing", "name": f"#t{i}"} for i in range(6_600)])


def values_over_the_bound(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    return note(actor, key, tag=list(range(130_000)))


def deep_json(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    nested: Any = "deep"
    for _ in range(60):
        nested = {"a": [nested]}
    return note(actor, key, attachment=[nested] * 200)


def pyld_at_the_bound(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    """Our terms redefined (so the plain path cannot read it), at MAX_PROCESSED_VALUES."""
    terms = {f"t{i}": f"https://remote.bench.example/ns#t{i}" for i in range(250)}
    document = note(actor, key, tag=[{"type": "Hashtag", "name": f"#{i}"} for i in range(55)])
    document["@context"] = [AS2, {"content": "https://remote.bench.example/ns#c", **terms}]
    return document


def pyld_over_the_bound(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    document = pyld_at_the_bound(actor, key, org)
    document["object"]["tag"] = [{"type": "Hashtag", "name": f"#{i}"} for i in range(3_000)]
    return document


def nested_html(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    """The review's sanitiser shape: deeply nested elements, a megabyte of them."""
    return note(actor, key, content="<div>" * 150_000, summary="<blockquote>" * 20_000)


def markup_at_the_budget(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    """The most markup the sanitiser still parses: headings, tables and links (the rewrite
    pass), different in content, summary and every contentMap language."""
    unit = (
        '<h2>x</h2><table><tr><td><a>y</a></td></tr></table><p><a href="https://e.example/">z</a>'
    )
    languages = {f"l{i}": unit * 190 + f"<p>{i}</p>" for i in range(8)}
    return note(actor, key, content=unit * 199, summary=unit * 99, contentMap=languages)


def huge_text(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    words = "word " * 180_000
    return note(actor, key, content=words, summary=words[:100_000], name=words[:1_000])


def addressees_at_the_bound(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    """1,000 addressees, each different, in the activity and in its object (the bound)."""
    people = [f"https://remote.bench.example/users/p{i}" for i in range(999)]
    document = note(actor, key, to=[org, *people[:499]], cc=people[499:])
    document["to"], document["cc"] = document["object"]["to"], document["object"]["cc"]
    return document


def many_addressees(actor: loadgen.Actor, key: str, org: str) -> dict[str, Any]:
    people = [f"https://remote.bench.example/users/p{i}" for i in range(4_000)]
    mentions = [{"type": "Mention", "href": iri} for iri in people[:2_000]]
    document = note(actor, key, to=[org, *people], cc=people, tag=mentions)
    document["to"] = document["object"]["to"]
    return document


DOCUMENTS: dict[str, Build] = {
    "an ordinary note (for comparison)": ordinary,
    "property-scoped contexts (the review's Like)": scoped_contexts,
    "20,000 values, standard context": values_at_the_bound,
    "20,000 values in a property of the sender's own": values_elsewhere,
    "130,000 values": values_over_the_bound,
    "JSON nested 120 deep": deep_json,
    "redefined terms, 200 values (pyld)": pyld_at_the_bound,
    "redefined terms, 9,000 values": pyld_over_the_bound,
    "1 MiB of nested HTML elements": nested_html,
    "markup at the sanitiser's budget, 8 languages": markup_at_the_budget,
    "1 MiB of text": huge_text,
    "1,000 addressees": addressees_at_the_bound,
    "8,000 addressees and 2,000 mentions": many_addressees,
}


def signed(
    actor: loadgen.Actor, host: str, document: dict[str, Any]
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(document).encode()
    if len(body) > MAX_BODY:
        raise ValueError(f"{document['id']}: {len(body)} bytes, over 1 MiB")
    headers = {"Content-Type": "application/activity+json"}
    key = load_private_key(actor.keys.private_pem)
    url = f"http://{host}/inbox"
    signed_headers = sign_request("POST", url, headers, body, actor.key_id, key, datetime.now(UTC))
    return body, headers | signed_headers


async def post_and_wait(
    node: ServedNode, http: httpx.AsyncClient, body: bytes, headers: dict[str, str]
) -> int:
    """POST one document; once accepted, wait until the worker has finished with it."""
    answer = await http.post(f"http://{node.host}/inbox", content=body, headers=headers)
    if answer.status_code == 202:
        while (await asyncio.to_thread(node.states)).get("pending", 0):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return answer.status_code


def prepared(node: ServedNode, actor: loadgen.Actor, build: Build, tag: str) -> list[Any]:
    """ROUNDS signed requests of one kind, made before the clock starts."""
    org = f"http://{node.host}/users/alpha"
    return [signed(actor, node.host, build(actor, f"{tag}-{n}", org)) for n in range(ROUNDS)]


async def send_all(node: ServedNode, requests: list[Any]) -> list[int]:
    async with httpx.AsyncClient(timeout=60) as http:
        return [await post_and_wait(node, http, body, headers) for body, headers in requests]


def cpu_of(pids: list[int]) -> list[float]:
    return [cpu_seconds(pid) for pid in pids]


def is_screening(pid: int) -> bool:
    """serve's screening process (started by multiprocessing), not its worker process."""
    return b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()


def measure_kind(
    node: ServedNode, actor: loadgen.Actor, name: str, build: Build, n: int
) -> dict[str, Any]:
    pids = [node.child.pid, *children(node.child.pid)]  # serve, then the processes it started
    screening = [is_screening(pid) for pid in pids]
    requests = prepared(node, actor, build, f"{n}-cpu")
    idle_before = cpu_of(pids)
    time.sleep(IDLE_CPU_SECONDS)
    idle_after = cpu_of(pids)
    idle_rates = [(a - b) / IDLE_CPU_SECONDS for b, a in zip(idle_before, idle_after, strict=True)]
    started, cpu = time.perf_counter(), cpu_of(pids)
    statuses = asyncio.run(send_all(node, requests))
    wall = time.perf_counter() - started
    spent = [
        max(0.0, after - before - rate * wall)
        for before, after, rate in zip(cpu, cpu_of(pids), idle_rates, strict=True)
    ]
    latencies = probe_while(node, prepared(node, actor, build, f"{n}-get"))
    return {
        "document": name,
        "statuses": sorted(set(statuses)),
        "cpu_ms": 1000 * sum(spent) / ROUNDS,
        "serve_cpu_ms": 1000 * spent[0] / ROUNDS,
        "screening_cpu_ms": 1000
        * sum(c for c, s in zip(spent, screening, strict=True) if s)
        / ROUNDS,
        "worker_cpu_ms": 1000
        * sum(c for c, s in zip(spent[1:], screening[1:], strict=True) if not s)
        / ROUNDS,
        "cpu_of_bound": sum(spent) / ROUNDS * 1000 / CPU_BOUND_MS,
        "get_max_ms": max(latencies),
        "get_median_ms": sorted(latencies)[len(latencies) // 2],
        "get_p95_ms": percentile(latencies, 0.95),
        "get_max_of_bound": max(latencies) / GET_BOUND_MS,
        "gets": len(latencies),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def probe(url: str, ready: Any, stop: Any, found: Any) -> None:
    """In a process of its own: GET the actor every 5 ms until told to stop."""
    latencies = []
    with httpx.Client(timeout=60) as client:
        client.get(url, headers={"Accept": "application/activity+json"})  # connected, warm
        ready.set()
        while not stop.is_set():
            started = time.perf_counter()
            answer = client.get(url, headers={"Accept": "application/activity+json"})
            latencies.append(1000 * (time.perf_counter() - started))
            if answer.status_code != 200:
                latencies.append(float("inf"))
            time.sleep(0.005)
    found.put(latencies)


def probe_while(node: ServedNode, requests: list[Any], idle: float = 0.0) -> list[float]:
    """GET latencies (ms) of another process while these requests go in and are processed
    (or, with none, for `idle` seconds: what the machine's load alone does to them)."""
    context = multiprocessing.get_context("spawn")
    ready, stop, found = context.Event(), context.Event(), context.Queue()
    url = f"http://{node.host}/users/alpha"  # the actor (its /orgs/ alias answers 301)
    prober = context.Process(target=probe, args=(url, ready, stop, found))
    prober.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the prober did not start")
        asyncio.run(send_all(node, requests))
        time.sleep(idle)
    finally:
        stop.set()
        latencies: list[float] = found.get(timeout=60)
        prober.join(10)
    return latencies


def measure(workdir: Path, words: tuple[str, ...] = ()) -> dict[str, Any]:
    [actor] = loadgen.make_actors(1)
    node = ServedNode(workdir, "hostile", None, 10_000, [actor])
    kinds = [(n, name, build) for n, (name, build) in enumerate(DOCUMENTS.items())]
    try:
        run_cli(node.data_dir, bench_env(), "org", "create", "alpha")
        asyncio.run(send_all(node, [signed(actor, node.host, large_note(actor))]))
        idle = probe_while(node, [], IDLE_SECONDS)
        found = [
            measure_kind(node, actor, name, build, n)
            for n, name, build in kinds
            if not words or any(word in name for word in words)
        ]
    finally:
        node.child.stop()
    accepted = [f for f in found if 202 in f["statuses"]]
    return {
        "load_average": os.getloadavg(),
        "idle_gets": {
            "count": len(idle),
            "max_ms": max(idle),
            "p95_ms": percentile(idle, 0.95),
            "median_ms": percentile(idle, 0.5),
        },
        "documents": found,
        "worst_accepted_cpu_ms": max((f["cpu_ms"] for f in accepted), default=0.0),
        "worst_get_ms": max(f["get_max_ms"] for f in found),
        "refused": [f["document"] for f in found if f["statuses"] and f["statuses"][0] >= 400],
    }


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(measure(Path(folder), tuple(sys.argv[1:])), indent=2))
        sys.exit(0)
