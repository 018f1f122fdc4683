"""Epicyon's own Follow, Accept and Create (tests/payloads/epicyon/, captured from Epicyon 1.3.0
by the Epicyon interop test) replayed at the inbox, really signed, effects run by the worker.

Aiming changes only what must change: Epicyon's origin (http://127.0.0.1:46393) becomes
https://epicyon.test and the node's (http://127.0.0.1:55633) https://node.test, both served in
process; the Follow the Accept answers becomes the one alpha sent here, and the call replied to
becomes one alpha published here. Epicyon's LD signatures stay as captured (the node reads
HTTP signatures). The Follow names the organisation by its profile URL and the Accept has no id:
each was refused or misfiled before, and now takes effect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.federation import following
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations
from node.storage import follows
from tests.support.actors import RemoteHost, hosted, post_signed
from tests.support.router import HostRouter

PAYLOADS = Path(__file__).parents[1] / "payloads" / "epicyon"
EPICYON, NODE = "http://127.0.0.1:46393", "http://127.0.0.1:55633"
CAPTURED_FOLLOW = f"{NODE}/activities/d61b2336e5524f75af0ef3a12b0beaf7"
CAPTURED_CALL = f"{NODE}/calls/Yx7ayP9OHxOR"
SHARED = "https://node.test/inbox"


@pytest.fixture
def epicyon(router: HostRouter) -> RemoteHost:
    return hosted(router, "epicyon.test")


def aimed(name: str, **iris: str) -> dict[str, Any]:
    text = (PAYLOADS / name).read_text()
    for captured, here in iris.items():
        text = text.replace(captured, here)
    text = text.replace(EPICYON, "https://epicyon.test").replace(NODE, "https://node.test")
    document: dict[str, Any] = json.loads(text)
    return document


async def deliver(
    client: httpx.AsyncClient, node: Runtime, epicyon: RemoteHost, name: str, **iris: str
) -> dict[str, Any]:
    document = aimed(name, **iris)
    response = await post_signed(client, epicyon.actor("peer"), SHARED, document, node.clock.now())
    assert response.status_code == 202, response.text
    await build_worker(node).run_until_idle()
    return document


async def test_epicyons_follow_of_the_profile_url(
    client: httpx.AsyncClient, node: Runtime, alpha: str, epicyon: RemoteHost
) -> None:
    sent = await deliver(client, node, epicyon, "follow_profile_url.json")
    assert sent["object"] == "https://node.test/@alpha"
    async with node.db.transaction() as session:
        kept = await follows.list_by_target(session, alpha)
    assert [(f.follower_iri, f.state) for f in kept] == [(epicyon.actor("peer").iri, "accepted")]
    accept = next(a for a in epicyon.received if a["type"] == "Accept")
    assert accept["actor"] == alpha and accept["object"]["id"] == sent["id"]


async def test_epicyons_accept_without_an_id(
    client: httpx.AsyncClient, node: Runtime, alpha: str, epicyon: RemoteHost
) -> None:
    org = await organisations.get(node.db, "alpha")
    made = await following.follow(node, org, epicyon.actor("peer").iri)
    await build_worker(node).run_until_idle()
    assert made.follow_iri is not None
    sent = await deliver(
        client, node, epicyon, "accept_without_id.json", **{CAPTURED_FOLLOW: made.follow_iri}
    )
    assert "id" not in sent
    async with node.db.transaction() as session:
        found = await follows.get_pair(session, alpha, epicyon.actor("peer").iri)
    assert found is not None and found.state == "accepted"


async def test_epicyons_reply_to_a_call(
    client: httpx.AsyncClient, node: Runtime, alpha: str, epicyon: RemoteHost
) -> None:
    token = await organisations.create_token(node.db, node.clock, "alpha")
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "title": "Fill the court room",
        "content": "Come to the hearing.",
        "urgency": "high",
        "deadline": "2030-01-06T09:00Z",
    }
    made = await client.post("/api/v1/calls", json=body, headers=headers)
    assert made.status_code == 201, made.text
    call, key = made.json()["id"], made.json()["key"]
    sent = await deliver(client, node, epicyon, "create_reply.json", **{CAPTURED_CALL: call})
    found = (await client.get(f"/api/v1/calls/{key}/responses", headers=headers)).json()
    assert [r["id"] for r in found["replies"]] == [sent["object"]["id"]]
    assert found["replies"][0]["actor"] == epicyon.actor("peer").iri
    assert "We will be there, with banners." in found["replies"][0]["content"]
