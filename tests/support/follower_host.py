"""A remote follower on a loopback port, in a thread of the test process: its actor document
(http, an inbox of its own), its inbox recording what arrives, and its really signed POSTs.

For tests that run the node as processes (the admin guide's): the node fetches the follower's
actor from here and delivers to its inbox; the test checks the signatures afterwards with
node.activitypub.signatures.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from node.activitypub.keys import generate_key_pair, load_private_key, load_public_key
from node.activitypub.signatures import parse_signature, sign_request, verify_signature
from tests.support.actors import FakeActor

AS2 = "application/activity+json"


@dataclass(frozen=True)
class Arrival:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def activity(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found

    def verified_by(self, public_key_pem: str) -> bool:
        parsed = parse_signature("POST", self.path, self.headers)
        verify_signature(
            parsed,
            load_public_key(public_key_pem),
            method="POST",
            path_and_query=self.path,
            headers=self.headers,
            body=self.body,
            now=datetime.now(UTC),
        )
        return True


@dataclass
class FollowerHost:
    socket: socket.socket = field(default_factory=lambda: socket.socket())
    arrivals: list[Arrival] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.socket.bind(("127.0.0.1", 0))
        host = f"127.0.0.1:{self.socket.getsockname()[1]}"
        self.actor = FakeActor(f"http://{host}/users/follower", generate_key_pair())
        app = Starlette(
            routes=[
                Route("/users/follower", self._document, methods=["GET"]),
                Route("/users/follower/inbox", self._inbox, methods=["POST"]),
            ]
        )
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="follower", daemon=True)

    def __enter__(self) -> FollowerHost:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "no follower host"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.socket]))

    async def _document(self, request: Request) -> Response:
        document = self.actor.document()
        del document["endpoints"]  # an inbox of its own, no shared one
        return JSONResponse(document, media_type=AS2)

    async def _inbox(self, request: Request) -> Response:
        arrival = Arrival(request.url.path, dict(request.headers), await request.body())
        with self.lock:
            self.arrivals.append(arrival)
        return Response(status_code=202)

    def received(self, type_: str) -> list[Arrival]:
        with self.lock:
            return [a for a in self.arrivals if a.activity.get("type") == type_]

    def follow(self, target: str) -> tuple[dict[str, str], bytes]:
        """A really signed Follow of `target` for its inbox: (headers, body)."""
        follow = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.actor.iri}/follows/{uuid.uuid4().hex}",
            "type": "Follow",
            "actor": self.actor.iri,
            "object": target,
        }
        body = json.dumps(follow).encode()
        headers = {"Content-Type": AS2}
        private = load_private_key(self.actor.keys.private_pem)
        now = datetime.now(UTC)
        signed = sign_request(
            "POST", f"{target}/inbox", headers, body, self.actor.key_id, private, now
        )
        return headers | signed, body
