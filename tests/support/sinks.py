"""Inbox sinks for delivery tests: a Starlette app served by uvicorn on loopback ports.

Each port is one "host". The sink verifies every request's HTTP signature against the
senders' public keys with node.activitypub.signatures, records what it got, and answers as
told per host: 202, any status (with Retry-After), or not at all (hang until the test ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.activitypub.keys import PublicKey
from node.activitypub.signatures import parse_signature, verify_signature
from node.clock import Clock
from node.errors import SignatureError
from tests.support.servers import running


@dataclass(frozen=True)
class Answer:
    status: int = 202
    retry_after: str | None = None
    hang: bool = False


@dataclass(frozen=True)
class Received:
    host: str
    path: str
    key_id: str
    verified: bool
    body: bytes
    content_type: str


@dataclass
class Sink:
    keys: Mapping[str, PublicKey]
    clock: Clock
    received: list[Received] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, index: int, path: str = "/inbox") -> str:
        return f"http://{self.hosts[index]}{path}"

    def answer(self, host: str, status: int = 202, retry_after: str | None = None) -> None:
        self.answers[host] = Answer(status, retry_after)

    def hang(self, host: str) -> None:
        self.answers[host] = Answer(hang=True)

    def per_host(self) -> Counter[str]:
        return Counter(item.host for item in self.received)

    def per_url(self) -> Counter[str]:
        return Counter(f"http://{item.host}{item.path}" for item in self.received)

    async def inbox(self, request: Request) -> Response:
        body = await request.body()
        host = request.headers.get("host", "")
        key_id, verified = self._verify(request, body)
        self.received.append(
            Received(
                host, request.url.path, key_id, verified, body, request.headers["content-type"]
            )
        )
        if not verified:
            return Response("bad signature", status_code=401)
        answer = self.answers.get(host, Answer())
        if answer.hang:
            await self.release.wait()
        headers = {"Retry-After": answer.retry_after} if answer.retry_after else None
        return Response("", status_code=answer.status, headers=headers)

    def _verify(self, request: Request, body: bytes) -> tuple[str, bool]:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = dict(request.headers)
        try:
            parsed = parse_signature(request.method, target, headers)
            verify_signature(
                parsed,
                self.keys[parsed.key_id],
                method=request.method,
                path_and_query=target,
                headers=headers,
                body=body,
                now=self.clock.now(),
            )
        except (SignatureError, KeyError):
            return headers.get("signature", "")[:80], False
        return parsed.key_id, True


@contextlib.asynccontextmanager
async def serve_sink(sink: Sink, ports: int = 1) -> AsyncIterator[Sink]:
    """Serve `sink` on `ports` loopback ports at once (one uvicorn server); fills sink.hosts."""
    sockets = []
    for _ in range(ports):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    sink.hosts = [f"127.0.0.1:{sock.getsockname()[1]}" for sock in sockets]
    app = Starlette(routes=[Route("/{path:path}", sink.inbox, methods=["POST"])])
    try:
        async with running(app, sockets, timeout_graceful_shutdown=2):
            try:
                yield sink
            finally:
                sink.release.set()
    finally:
        for sock in sockets:
            sock.close()
