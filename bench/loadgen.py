"""The load generator: pre-signed Create(Note) POSTs over keep-alive connections, in a process
of its own (multiprocessing), answering with counts of statuses and the elapsed time.

Requests are signed before the clock starts, all with one Date (valid for about an hour, so a
run must finish well within that). Raw asyncio streams (HTTP/1.1, one request in flight per
connection) cost far less per request than an HTTP client library, so the generator does not
cap what it measures.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from node.activitypub.keys import KeyPair, generate_key_pair, load_private_key
from node.activitypub.signatures import sign_request

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTOR_HOST = "remote.bench.example"


@dataclass(frozen=True)
class Actor:
    iri: str
    key_id: str
    keys: KeyPair


def make_actors(count: int) -> list[Actor]:
    actors = []
    for n in range(count):
        iri = f"https://{ACTOR_HOST}/users/u{n}"
        actors.append(Actor(iri, f"{iri}#main-key", generate_key_pair()))
    return actors


def create_note(actor: Actor, key: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/activities/{key}",
        "type": "Create",
        "actor": actor.iri,
        "to": [PUBLIC],
        "cc": [f"{actor.iri}/followers"],
        "object": {
            "id": f"{actor.iri}/notes/{key}",
            "type": "Note",
            "attributedTo": actor.iri,
            "content": "<p>Solidarity with the strike at the port: bring food on Friday.</p>",
            "to": [PUBLIC],
            "cc": [f"{actor.iri}/followers"],
            "published": "2026-11-21T11:00:00Z",
        },
    }


def _sign_chunk(job: tuple[list[Actor], str, int, int, str, datetime]) -> list[bytes]:
    actors, host, start, stop, tag, now = job
    keys = [load_private_key(a.keys.private_pem) for a in actors]
    url = f"http://{host}/inbox"
    requests = []
    for n in range(start, stop):
        actor = actors[n % len(actors)]
        body = json.dumps(create_note(actor, f"{tag}-{n}")).encode()
        headers = {"Content-Type": "application/activity+json"}
        signed = sign_request("POST", url, headers, body, actor.key_id, keys[n % len(keys)], now)
        lines = [
            "POST /inbox HTTP/1.1",
            f"Host: {signed['Host']}",
            "Content-Type: application/activity+json",
            f"Date: {signed['Date']}",
            f"Digest: {signed['Digest']}",
            f"Signature: {signed['Signature']}",
            f"Content-Length: {len(body)}",
        ]
        requests.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return requests


def presign(actors: list[Actor], host: str, count: int, tag: str) -> list[bytes]:
    """`count` distinct signed requests to http://host/inbox, signed on two processes."""
    now = datetime.now(UTC)
    half = count // 2
    jobs = [(actors, host, 0, half, tag, now), (actors, host, half, count, tag, now)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        parts = pool.map(_sign_chunk, jobs)
    return [request for part in parts for request in part]


async def _read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, requests: list[bytes], interval: float, start: float, counts: Counter[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for n, raw in enumerate(requests):
            if interval:
                delay = start + n * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            writer.write(raw)
            try:
                counts[await _read_status(reader)] += 1
            except (asyncio.IncompleteReadError, ConnectionError):
                counts[0] += 1  # no answer: counted as "other"
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def _drive(
    port: int, requests: list[bytes], connections: int, rate: float | None
) -> dict[str, Any]:
    counts: Counter[int] = Counter()
    shares = [requests[n::connections] for n in range(connections)]
    interval = connections / rate if rate else 0.0
    started_at = time.time()
    start = time.perf_counter()
    await asyncio.gather(
        *(_connection("127.0.0.1", port, s, interval, start, counts) for s in shares)
    )
    elapsed = time.perf_counter() - start
    statuses = {str(k): v for k, v in sorted(counts.items())}
    return {"elapsed": elapsed, "started_at": started_at, "statuses": statuses}


def _main(
    port: int,
    requests: list[bytes],
    connections: int,
    rate: float | None,
    out: multiprocessing.Queue[dict[str, Any]],
) -> None:
    import uvloop

    out.put(uvloop.run(_drive(port, requests, connections, rate)))


def run(
    port: int, requests: list[bytes], *, connections: int = 32, rate: float | None = None
) -> dict[str, Any]:
    """Send every request (as fast as answered, or paced at `rate` per second) from a child
    process; returns {"elapsed": s, "started_at": wall-clock s, "statuses": {"202": n, ...}}
    ("0": no answer)."""
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[dict[str, Any]] = context.Queue()
    child = context.Process(target=_main, args=(port, requests, connections, rate, out))
    child.start()
    try:
        result: dict[str, Any] = out.get(timeout=300)
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()
            child.join()
    return result
