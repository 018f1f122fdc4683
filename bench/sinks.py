"""Counting inbox sinks for the delivery benchmarks: one uvicorn server on many loopback ports
(one "host" each), in a process of its own.

Every POST is read whole and answered 202; the sink counts POSTs and those carrying a
Signature header (checking it would put RSA verification in the sink's budget; the node's
signing is verified by tests/support/sinks.py). GET /count answers "posts signed".
With --record, each POST's arrival is also kept as (wall-clock time, port, activity id, type),
and GET /log?since=N answers those from the N-th on as JSON lines; with --slow N --delay S, the
first N ports answer S seconds after the body arrived (a busy remote server).
Run as `python -m bench.sinks PORTS PORT_FILE [--record] [--slow N --delay S]`; the bound
ports are written to PORT_FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

import uvicorn
import uvloop


class Counting:
    def __init__(self, record: bool = False, slow: frozenset[int] = frozenset(), delay: float = 0):
        self.posts = 0
        self.signed = 0
        self.record = record
        self.slow = slow
        self.delay = delay
        self.log: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        port = int(scope["server"][1])
        if scope["method"] == "POST":
            arrived = time.time()
            self.posts += 1
            self.signed += any(name == b"signature" for name, _ in scope["headers"])
            if self.record:
                self.log.append(json.dumps([arrived, port, *_what(bytes(body))]))
            if port in self.slow:
                await asyncio.sleep(self.delay)
            status, answer = 202, b""
        elif scope["path"] == "/log":
            since = int(scope["query_string"].decode().partition("since=")[2] or 0)
            status, answer = 200, "\n".join(self.log[since:]).encode()
        else:
            status, answer = 200, f"{self.posts} {self.signed}".encode()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": answer})


def _what(body: bytes) -> tuple[str | None, str | None]:
    try:
        document = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(document, dict):
        return None, None
    return document.get("id"), document.get("type")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sinks")
    parser.add_argument("count", type=int)
    parser.add_argument("port_file", type=Path)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--slow", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    sockets = []
    for _ in range(args.count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [int(s.getsockname()[1]) for s in sockets]
    app = Counting(args.record, frozenset(ports[: args.slow]), args.delay)
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", access_log=False, backlog=4096
    )
    server = uvicorn.Server(config)
    args.port_file.write_text(" ".join(str(port) for port in ports))
    uvloop.run(server.serve(sockets=sockets))


if __name__ == "__main__":
    main()
