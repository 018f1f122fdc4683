"""Inbox sinks that count every delivery by (inbox, activity id), in a process of their own:
one uvicorn server on many loopback ports (one "host" each), answering 202 at once.

For the scale-out test and benchmark: duplicates and losses show in the counts, and the times
of the first and last POST give the delivery rate. Signatures are not checked here (that costs
RSA time in the sinks' budget; tests/support/sinks.py verifies them), only counted as present.
Run as `python counting_sinks.py PORTS PORT_FILE`; GET /progress answers
{"posts", "signed", "distinct", "first", "last"} (times from time.time()), GET /counts also
{"counts": {"INBOX ACTIVITY": n}}. Imports nothing of the node.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import uvicorn


class Counting:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.posts = 0
        self.signed = 0
        self.first = 0.0
        self.last = 0.0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender died mid-request (a killed worker): nothing arrived
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        if scope["method"] == "POST":
            self.record(scope, b"".join(chunks))
            status, body = 202, b""
        else:
            status, body = 200, json.dumps(self.report(scope["path"] == "/counts")).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def record(self, scope: dict[str, Any], body: bytes) -> None:
        now = time.time()
        self.first = self.first or now
        self.last = now
        self.posts += 1
        headers = dict(scope["headers"])
        self.signed += b"signature" in headers
        host = headers.get(b"host", b"").decode("latin-1")
        try:
            activity = str(json.loads(body).get("id"))
        except (ValueError, AttributeError):
            activity = "unreadable"
        self.counts[f"http://{host}{scope['path']} {activity}"] += 1

    def report(self, with_counts: bool) -> dict[str, Any]:
        found: dict[str, Any] = {
            "posts": self.posts,
            "signed": self.signed,
            "distinct": len(self.counts),
            "first": self.first,
            "last": self.last,
        }
        if with_counts:
            found["counts"] = dict(self.counts)
        return found


def main() -> None:
    count, port_file = int(sys.argv[1]), Path(sys.argv[2])
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    config = uvicorn.Config(
        Counting(), log_level="warning", lifespan="off", access_log=False, backlog=4096
    )
    ports = " ".join(str(s.getsockname()[1]) for s in sockets)
    partial = port_file.with_suffix(".partial")
    partial.write_text(ports)
    partial.replace(port_file)  # whole or absent, for the waiting parent
    uvicorn.Server(config).run(sockets=sockets)


if __name__ == "__main__":
    main()
