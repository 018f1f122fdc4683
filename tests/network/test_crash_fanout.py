"""kill -9 of a sending node in the middle of a fan-out to 200 inboxes, then a restart: every
inbox gets the activity, none twice in effect; on SQLite and on PostgreSQL.

The node is a `solidarity-node serve` process. Its 200 followers are real remote actors with
RSA keys of their own, served with their inboxes by a few loopback HTTP servers (one thread):
each sent the node a really signed Follow. The servers verify every delivery's signature
against the organisation's key, record (inbox, activity id) on arrival and answer 202 after
REPLY_DELAY, so a fan-out takes a few seconds and a kill catches deliveries in flight.

Rows the killed process had leased come back when their lease runs out: the node runs with
SN_DELIVERY_LEASE_SECONDS=LEASE_SECONDS (a live worker renews its leases every third of
that), and the restarted node takes them over by itself; no admin step is needed.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from node.activitypub.keys import RSA_KEY_BITS, KeyPair, PublicKey, load_public_key
from node.activitypub.signatures import parse_signature, sign_request, verify_signature
from node.errors import SignatureError
from node.storage import deliveries
from node.storage.deliveries import DeliveryCounts
from tests.support.actors import FakeActor
from tests.support.processes import LoopbackNode, loopback_nodes, wait_until

FOLLOWERS = 200
SINK_HOSTS = 4
REPLY_DELAY = 0.25  # 4 hosts x 4 connections per host (the node's default) -> ~64/s
KILL_AFTER = 20
FOLLOW_SENDERS = 8
TIMEOUT = 60.0
LEASE_SECONDS = 3
AS2 = "application/activity+json"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FollowerKey:
    pair: KeyPair
    private: rsa.RSAPrivateKey  # kept parsed: loading an RSA PEM costs ~30 ms of CPU


def follower_key() -> FollowerKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return FollowerKey(KeyPair(private_pem.decode(), public_pem.decode()), private)


@dataclass(frozen=True)
class Delivery:
    inbox: str
    activity_id: str
    type: str
    name: str | None  # the object's name, for an Update of an actor
    key_id: str
    verified: bool
    at: float  # time.monotonic() on arrival


class Sinks:
    """SINK_HOSTS loopback servers in one thread: the followers' actor documents (no shared
    inbox, so every follower has an inbox of its own) and their inboxes."""

    def __init__(self, keys: list[FollowerKey]) -> None:
        self._sockets = [
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(SINK_HOSTS)
        ]
        for sock in self._sockets:
            sock.bind(("127.0.0.1", 0))
        hosts = [f"127.0.0.1:{sock.getsockname()[1]}" for sock in self._sockets]
        self.actors: list[FakeActor] = []
        self.private_keys: dict[str, rsa.RSAPrivateKey] = {}
        for n, key in enumerate(keys):
            actor = FakeActor(f"http://{hosts[n % SINK_HOSTS]}/users/f{n:03d}", key.pair)
            self.actors.append(actor)
            self.private_keys[actor.iri] = key.private
        self._by_url = {actor.iri: actor for actor in self.actors}
        self._sender_keys: dict[str, PublicKey] = {}
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        app = Starlette(
            routes=[
                Route("/users/{name}/inbox", self._inbox, methods=["POST"]),
                Route("/users/{name}", self._actor, methods=["GET"]),
            ]
        )
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="sinks", daemon=True)

    def __enter__(self) -> Sinks:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert self._thread.is_alive() and time.monotonic() < deadline, "sinks did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        for sock in self._sockets:
            sock.close()

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=self._sockets))

    def trust(self, actor_document: dict[str, Any]) -> None:
        """Verify deliveries with this (the sending organisation's) key."""
        key = actor_document["publicKey"]
        self._sender_keys[key["id"]] = load_public_key(key["publicKeyPem"])

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def of(self, type_: str, name: str | None = None) -> list[Delivery]:
        return [
            d for d in self.deliveries() if d.type == type_ and (name is None or d.name == name)
        ]

    def inboxes(self, type_: str, name: str | None = None) -> int:
        return len({d.inbox for d in self.of(type_, name)})

    async def _actor(self, request: Request) -> Response:
        actor = self._by_url.get(f"http://{request.headers['host']}{request.url.path}")
        if actor is None:
            return Response(status_code=404)
        document = actor.document()
        del document["endpoints"]
        return JSONResponse(document, media_type=AS2)

    async def _inbox(self, request: Request) -> Response:
        try:
            body = await request.body()
        except ClientDisconnect:  # the sender was killed while sending
            return Response(status_code=400)
        key_id, verified = self._verify(request, body)
        activity = json.loads(body)
        embedded = activity.get("object")
        delivery = Delivery(
            inbox=f"http://{request.headers['host']}{request.url.path}",
            activity_id=activity["id"],
            type=activity["type"],
            name=embedded.get("name") if isinstance(embedded, dict) else None,
            key_id=key_id,
            verified=verified,
            at=time.monotonic(),
        )
        with self._lock:
            self._deliveries.append(delivery)
        await asyncio.sleep(REPLY_DELAY)
        return Response(status_code=202 if verified else 401)

    def _verify(self, request: Request, body: bytes) -> tuple[str, bool]:
        target = request.url.path
        headers = dict(request.headers)
        try:
            parsed = parse_signature("POST", target, headers)
            verify_signature(
                parsed,
                self._sender_keys[parsed.key_id],
                method="POST",
                path_and_query=target,
                headers=headers,
                body=body,
                now=now(),
            )
        except (SignatureError, KeyError):
            return headers.get("signature", "")[:80], False
        return parsed.key_id, True


@pytest.fixture(scope="module")
def follower_keys() -> list[FollowerKey]:
    """200 RSA-2048 keys, made once for both databases (about 50 ms of CPU each)."""
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return list(pool.map(lambda _: follower_key(), range(FOLLOWERS)))


@pytest.fixture
def sinks(follower_keys: list[FollowerKey]) -> Iterator[Sinks]:
    with Sinks(follower_keys) as running:
        yield running


def send_follows(sinks: Sinks, target: str) -> None:
    """Every follower sends `target` a signed Follow (to its inbox), FOLLOW_SENDERS at once."""
    inbox = f"{target}/inbox"

    def send(actor: FakeActor, client: httpx.Client) -> None:
        follow = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{actor.iri}/follows/{uuid.uuid4().hex}",
            "type": "Follow",
            "actor": actor.iri,
            "object": target,
        }
        body = json.dumps(follow).encode()
        headers = {"Content-Type": AS2}
        private = sinks.private_keys[actor.iri]
        headers |= sign_request("POST", inbox, headers, body, actor.key_id, private, now())
        response = client.post(inbox, content=body, headers=headers)
        assert response.status_code == 202, response.text

    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(FOLLOW_SENDERS) as pool:
        list(pool.map(lambda actor: send(actor, client), sinks.actors))


def update_counts(node: LoopbackNode, activity_id: str) -> DeliveryCounts:
    async def work(session: AsyncSession) -> DeliveryCounts:
        return await deliveries.counts(session, activity_id)

    return node.query(work)


@dataclass(frozen=True)
class FanOut:
    first: float  # seconds from the trigger to the first delivery
    last: float  # ... to the 200th distinct inbox

    def __str__(self) -> str:
        return f"first after {self.first:.2f} s, all {FOLLOWERS} after {self.last:.2f} s"


def fan_out_times(sinks: Sinks, name: str, triggered: float) -> FanOut:
    first_per_inbox: dict[str, float] = {}
    for delivery in sorted(sinks.of("Update", name), key=lambda d: d.at):
        first_per_inbox.setdefault(delivery.inbox, delivery.at)
    times = sorted(first_per_inbox.values())
    return FanOut(times[0] - triggered, times[-1] - triggered)


def test_kill_9_in_the_middle_of_a_fan_out_to_200_inboxes(
    db_url: str, sinks: Sinks, tmp_path: Path
) -> None:
    with loopback_nodes(tmp_path) as new:
        node = new("sender")
        node.env["SN_DELIVERY_LEASE_SECONDS"] = str(LEASE_SECONDS)
        node.init(database_url=db_url)
        alpha = node.add_org("alpha", "Alpha Collective")
        node.serve()
        sinks.trust(node.as2("/users/alpha"))

        def settled(check: Any, what: str) -> None:
            wait_until(check, what, node.running, TIMEOUT)

        # 200 real followers, each accepted: the first fan-out (200 Accepts, one by one)
        send_follows(sinks, alpha)
        settled(lambda: sinks.inboxes("Accept") == FOLLOWERS, "200 Accepts")
        followers = node.api("GET", "/followers", "alpha").json()["followers"]
        assert {(f["actor"], f["state"]) for f in followers} == {
            (actor.iri, "accepted") for actor in sinks.actors
        }
        assert node.as2("/users/alpha/followers")["totalItems"] == FOLLOWERS

        # one Update(actor) to all 200, undisturbed: the reference figure
        triggered = time.monotonic()
        node.cli("org", "update", "alpha", "--display-name", "Alpha, calm")
        settled(lambda: sinks.inboxes("Update", "Alpha, calm") == FOLLOWERS, "the calm Update")
        calm = fan_out_times(sinks, "Alpha, calm", triggered)

        # the same again, with kill -9 once KILL_AFTER inboxes have it
        name = "Alpha, interrupted"
        triggered = time.monotonic()
        node.cli("org", "update", "alpha", "--display-name", name)
        settled(lambda: sinks.inboxes("Update", name) >= KILL_AFTER, f"{KILL_AFTER} deliveries")
        node.kill()
        killed_at, reached = time.monotonic() - triggered, sinks.inboxes("Update", name)
        assert reached < FOLLOWERS, "the fan-out ended before the kill: raise REPLY_DELAY"
        activity_id = sinks.of("Update", name)[0].activity_id
        before = update_counts(node, activity_id)
        assert before.pending > 0 and before.total == FOLLOWERS, before
        leased = before.pending
        node.serve()
        settled(lambda: sinks.inboxes("Update", name) == FOLLOWERS, "the rest after restart")
        crashed = fan_out_times(sinks, name, triggered)
        after = DeliveryCounts(delivered=FOLLOWERS)
        settled(lambda: update_counts(node, activity_id) == after, "every row delivered")

    received = sinks.of("Update", name)
    copies = Counter((d.inbox, d.activity_id) for d in received)
    duplicates = sum(n - 1 for n in copies.values())
    assert {d.activity_id for d in received} == {activity_id}
    assert len(copies) == FOLLOWERS
    assert {d.inbox for d in received} == {f"{actor.iri}/inbox" for actor in sinks.actors}
    everything = sinks.deliveries()
    assert all(d.verified for d in everything), [d for d in everything if not d.verified][:3]
    assert {d.key_id for d in everything} == {f"{alpha}#main-key"}
    print(
        f"\n[{db_url.split('+')[0]}] fan-out of {FOLLOWERS} Updates over {SINK_HOSTS} hosts, "
        f"{REPLY_DELAY} s per reply:\n"
        f"  no crash:   {calm}\n"
        f"  kill -9:    {crashed}; killed at {killed_at:.2f} s with {reached} delivered, "
        f"{leased} rows left pending, taken over after the {LEASE_SECONDS} s lease\n"
        f"  duplicates: {duplicates} inboxes got the interrupted Update twice "
        f"(same activity id; at-least-once)"
    )
