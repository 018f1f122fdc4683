"""Counting inbox sinks for the fan-out benchmark: one uvicorn server on many loopback ports
(one "host" each), in a process of its own.

Every POST is read whole and answered 202; the sink counts POSTs and those carrying a
Signature header (checking it would put RSA verification in the sink's budget; the node's
signing is verified by tests/support/sinks.py). GET /count answers "posts signed".
Run as `python -m bench.sinks PORTS PORT_FILE`; the bound ports are written to PORT_FILE.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn
import uvloop


class Counting:
    def __init__(self) -> None:
        self.posts = 0
        self.signed = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        if scope["method"] == "POST":
            self.posts += 1
            self.signed += any(name == b"signature" for name, _ in scope["headers"])
            status, body = 202, b""
        else:
            status, body = 200, f"{self.posts} {self.signed}".encode()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    count, port_file = int(sys.argv[1]), Path(sys.argv[2])
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    config = uvicorn.Config(Counting(), log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    port_file.write_text(" ".join(str(s.getsockname()[1]) for s in sockets))
    uvloop.run(server.serve(sockets=sockets))


if __name__ == "__main__":
    main()
