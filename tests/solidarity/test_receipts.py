"""Delivery receipts of a call against what loopback sinks really received: delivered (with
its time), failed (with the reason), host unavailable (with the next probe), retrying (with the
next attempt) for a host that is down; after it comes back, a redelivery brings every receipt
to `delivered` and the sink has the activity. Who amplified it comes from the cascade.

Sinks are uvicorn servers on loopback ports that verify every signature; the delivery queue
uses real HTTP; the clock is frozen and the worker driven by run_until_idle().
"""

from __future__ import annotations

import json
import random
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from node.activitypub.keys import load_public_key
from node.activitypub.vocabulary import PUBLIC
from node.federation.delivery_queue import DeliveryQueue
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations
from node.storage import actors, hosts, remote_actors
from node.storage.follows import ACCEPTED
from node.storage.hosts import FAILURE_DAYS_LIMIT
from node.storage.remote_actors import RemoteActor
from node.storage.tables import FollowRow
from node.workers import Worker
from tests.support.actors import RemoteHost, post_signed
from tests.support.admin import admin_api, admin_token
from tests.support.processes import free_port
from tests.support.servers import running
from tests.support.sinks import Sink, serve_sink

CALL = {"title": "Court support", "content": "Come to the hearing.", "urgency": "high"}


@pytest.fixture
async def sink(node: Runtime, alpha: str) -> AsyncIterator[Sink]:
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
    keys = {node.urls.key_id(alpha): load_public_key(org.public_key_pem)}
    async with serve_sink(Sink(keys, node.clock), ports=3) as running_sink:
        yield running_sink


async def follower(node: Runtime, alpha: str, host: str) -> None:
    """A follower of alpha on `host`, with the host's shared inbox."""
    iri = f"http://{host}/users/f"
    actor = RemoteActor(
        iri=iri,
        type="Person",
        key_id=f"{iri}#main-key",
        public_key_pem=None,
        username="f",
        name=None,
        inbox=f"{iri}/inbox",
        shared_inbox=f"http://{host}/inbox",
        followers=None,
        fetched_at=node.clock.now(),
        gone=False,
    )
    now = node.clock.now()
    async with node.db.transaction() as session:
        await remote_actors.upsert(session, actor, {"id": iri})
        session.add(
            FollowRow(
                follower_iri=iri, target_iri=alpha, state=ACCEPTED, created_at=now, updated_at=now
            )
        )


def received_by(sink: Sink, activity_iri: str) -> dict[str, int]:
    """Each host that got the activity (signature verified), with how often."""
    found: dict[str, int] = {}
    for item in sink.received:
        if item.verified and json.loads(item.body)["id"] == activity_iri:
            found[item.host] = found.get(item.host, 0) + 1
    return found


async def test_receipts_match_what_the_sinks_received(
    client: httpx.AsyncClient, node: Runtime, alpha: str, sink: Sink, remote: RemoteHost
) -> None:
    ok, refusing, unavailable = sink.hosts
    down = f"127.0.0.1:{free_port()}"  # nothing listens there yet
    for host in (ok, refusing, unavailable, down):
        await follower(node, alpha, host)
    sink.answer(refusing, 403)
    now = node.clock.now()
    async with node.db.transaction() as session:  # failures on seven days: unavailable
        for day in range(FAILURE_DAYS_LIMIT):
            moment = now - timedelta(days=FAILURE_DAYS_LIMIT - 1 - day)
            await hosts.record_failure(session, unavailable, moment)
        health = await hosts.health(session, unavailable)
    assert health is not None and not health.available and health.next_probe_at

    token = await organisations.create_token(node.db, node.clock, "alpha")
    auth = {"Authorization": f"Bearer {token}"}
    deadline = (now + timedelta(days=3)).isoformat()
    made = await client.post("/api/v1/calls", json=CALL | {"deadline": deadline}, headers=auth)
    assert made.status_code == 201, made.text
    key = made.json()["id"].rsplit("/", 1)[-1]
    queue = DeliveryQueue(node, rng=random.Random(3))
    worker = Worker([queue], node.clock)
    try:
        await worker.run_until_idle()
        found = (await client.get(f"/api/v1/calls/{key}/deliveries", headers=auth)).json()
        [create] = found["activities"]
        by_host = {d["host"]: d for d in found["deliveries"]}
        assert received_by(sink, create["id"]) == {ok: 1, refusing: 1}
        assert by_host[ok]["state"] == "delivered"
        assert by_host[ok]["delivered_at"] == now.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (by_host[refusing]["state"], by_host[refusing]["last_status"]) == ("failed", 403)
        assert by_host[refusing]["error"].startswith("HTTP 403")
        assert by_host[unavailable]["state"] == "unavailable"
        assert by_host[unavailable]["next_attempt_at"] == (
            health.next_probe_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        assert by_host[down]["state"] == "retrying" and by_host[down]["attempts"] == 1
        assert by_host[down]["next_attempt_at"] > create["published"]
        assert found["counts"] == {
            "queued": 0,
            "delivered": 1,
            "retrying": 1,
            "failed": 1,
            "unavailable": 1,
        }

        # the down host comes back on its port; the refusing one is fixed; redeliver
        late = Sink(sink.keys, node.clock)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", int(down.split(":")[1])))
        app = Starlette(routes=[Route("/{path:path}", late.inbox, methods=["POST"])])
        async with running(app, [sock], timeout_graceful_shutdown=2):
            sink.answer(refusing, 202)
            again = await client.post(f"/api/v1/calls/{key}/deliveries/redeliver", headers=auth)
            # three are due now; the unavailable host's waits again for its probe
            assert again.status_code == 202 and again.json() == {"redelivering": 3}
            await worker.run_until_idle()
        sock.close()
    finally:
        await queue.aclose()

    found = (await client.get(f"/api/v1/calls/{key}/deliveries", headers=auth)).json()
    states = {d["host"]: d["state"] for d in found["deliveries"]}
    assert states == {
        ok: "delivered",
        refusing: "delivered",
        unavailable: "unavailable",
        down: "delivered",
    }
    assert received_by(sink, create["id"]) == {ok: 1, refusing: 2}
    assert received_by(late, create["id"]) == {down: 1}

    # an Announce of the call by someone else: listed among who amplified it
    carol = remote.actor("carol")
    announce = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{carol.iri}/announces/1",
        "type": "Announce",
        "actor": carol.iri,
        "object": made.json()["id"],
        "to": [PUBLIC],
        "via": create["id"],
        "hop": 1,
    }
    sent = await post_signed(client, carol, "https://node.test/inbox", announce, node.clock.now())
    assert sent.status_code == 202, sent.text
    await build_worker(node).run_until_idle()
    found = (await client.get(f"/api/v1/calls/{key}/deliveries", headers=auth)).json()
    assert [(x["actor"], x["hop"]) for x in found["amplified_by"]] == [(carol.iri, 1)]

    # admins see the hosts' health, unavailable first
    admin = await admin_token(node)
    listed = (await admin_api(client, admin, "GET", "/hosts")).json()["hosts"]
    assert listed[0]["host"] == unavailable and listed[0]["available"] is False
    assert {h["host"] for h in listed} == {ok, refusing, unavailable, down}
    # an organisation's receipts are its own: another's token sees nothing
    other = await organisations.create_organisation(node.db, node.clock, node.urls, "beta", "Beta")
    beta_token = await organisations.create_token(node.db, node.clock, other.username)
    hidden = await client.get(
        f"/api/v1/calls/{key}/deliveries", headers={"Authorization": f"Bearer {beta_token}"}
    )
    assert hidden.status_code == 404
