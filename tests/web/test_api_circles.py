"""Circles over the API, on SQLite and PostgreSQL: making and changing them, naming one in an
ally record, and publishing a circle call: addressed to the members alone, delivered to them
alone (no followers, no relay), never listed (outbox, featured, profile, search, timeline).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from node.federation import remote_actors
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import follows, objects, relays
from node.storage.tables import DeliveryRow
from tests.support.actors import RemoteHost, hosted
from tests.support.router import HostRouter

BETA = "https://node.test/users/beta"


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")


@pytest.fixture
async def auth(node: Runtime, alpha: str) -> dict[str, str]:
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta", "Beta")
    token = await organisations.create_token(node.db, node.clock, "alpha")
    return {"Authorization": f"Bearer {token}"}


async def beta_auth(node: Runtime) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {await organisations.create_token(node.db, node.clock, 'beta')}"
    }


def call_body(node: Runtime, **extra: Any) -> dict[str, Any]:
    deadline = (node.clock.now() + timedelta(days=2)).isoformat()
    body = {"title": "Hidden shelter", "content": "Two rooms.", "deadline": deadline}
    return body | extra


async def test_circles_are_made_listed_changed_and_deleted(
    client: httpx.AsyncClient, auth: dict[str, str], remote: RemoteHost
) -> None:
    rosa = remote.actor("rosa").iri
    body = {"name": "trusted", "members": ["beta@node.test", rosa]}
    made = await client.post("/api/v1/circles", json=body, headers=auth)
    assert made.status_code == 201, made.text
    assert made.json()["members"] == [BETA, rosa]
    again = await client.post("/api/v1/circles", json=body, headers=auth)
    assert again.status_code == 400 and "already" in again.json()["error"]
    listed = (await client.get("/api/v1/circles", headers=auth)).json()["circles"]
    assert [(c["name"], c["members"]) for c in listed] == [("trusted", [BETA, rosa])]
    change = {"remove": [BETA], "add": [remote.actor("sam").iri]}
    changed = await client.patch("/api/v1/circles/trusted", json=change, headers=auth)
    assert changed.status_code == 200, changed.text
    assert changed.json()["members"] == [rosa, remote.actor("sam").iri]
    shown = await client.get("/api/v1/circles/trusted", headers=auth)
    assert shown.json()["name"] == "trusted"
    assert (await client.delete("/api/v1/circles/trusted", headers=auth)).status_code == 204
    assert (await client.get("/api/v1/circles/trusted", headers=auth)).status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"name": "Trusted!", "members": []}, "circle name"),
        ({"name": "ok", "members": "beta@node.test"}, "list of handles"),
        ({"name": "ok", "members": ["alpha@node.test"]}, "its own circle"),
        ({"members": []}, "'name' is required"),
    ],
)
async def test_bad_circles_are_refused(
    client: httpx.AsyncClient, auth: dict[str, str], body: dict[str, Any], words: str
) -> None:
    response = await client.post("/api/v1/circles", json=body, headers=auth)
    assert response.status_code == 400 and words in response.json()["error"], response.text


async def test_another_organisations_circle_does_not_exist_for_you(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    made = await client.post("/api/v1/circles", json={"name": "inner"}, headers=auth)
    assert made.status_code == 201
    other = await beta_auth(node)
    assert (await client.get("/api/v1/circles/inner", headers=other)).status_code == 404
    assert (await client.delete("/api/v1/circles/inner", headers=other)).status_code == 404
    assert (await client.get("/api/v1/circles", headers=other)).json() == {"circles": []}


async def test_an_ally_record_names_the_circle_it_passes_calls_on_to(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    unknown = {"actor": "beta@node.test", "amplify": "auto", "circle": "onward"}
    refused = await client.post("/api/v1/allies", json=unknown, headers=auth)
    assert refused.status_code == 400 and "no circle" in refused.json()["error"]
    await client.post("/api/v1/circles", json={"name": "onward"}, headers=auth)
    made = await client.post("/api/v1/allies", json=unknown, headers=auth)
    assert made.status_code == 201 and made.json()["circle"] == "onward", made.text
    await client.delete("/api/v1/circles/onward", headers=auth)
    [listed] = (await client.get("/api/v1/allies", headers=auth)).json()["allies"]
    assert listed["circle"] is None  # the circle is gone: nothing is passed on


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"visibility": "circle"}, "'circle' is required"),
        ({"visibility": "circle", "circle": "nope"}, "no circle 'nope'"),
        ({"visibility": "circle", "circle": "empty"}, "has no members"),
        ({"visibility": "public", "circle": "inner"}, "goes with visibility"),
    ],
)
async def test_a_circle_call_needs_a_circle_with_members(
    client: httpx.AsyncClient,
    node: Runtime,
    auth: dict[str, str],
    extra: dict[str, Any],
    words: str,
) -> None:
    await client.post("/api/v1/circles", json={"name": "empty"}, headers=auth)
    response = await client.post("/api/v1/calls", json=call_body(node, **extra), headers=auth)
    assert response.status_code == 400 and words in response.json()["error"], response.text


async def test_a_strategy_has_no_circle(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    body = {"title": "How we hide", "content": "…", "visibility": "circle", "circle": "inner"}
    response = await client.post("/api/v1/strategies", json=body, headers=auth)
    assert response.status_code == 400 and "circles are for calls" in response.json()["error"]


async def delivered(node: Runtime) -> list[tuple[str, dict[str, Any]]]:
    async with node.db.transaction() as session:
        rows = (await session.execute(select(DeliveryRow.inbox_url, DeliveryRow.body))).all()
    return [(inbox, json.loads(body)) for inbox, body in rows]


async def test_a_circle_call_goes_to_its_members_and_nowhere_else(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    auth: dict[str, str],
    remote: RemoteHost,
    router: HostRouter,
) -> None:
    rosa, fan = remote.actor("rosa").iri, hosted(router, "fans.test").actor("fan").iri
    await remote_actors.get_actor(node, fan)
    async with node.db.transaction() as session:
        await follows.put(
            session, fan, alpha, follows.ACCEPTED, f"{fan}/follows/1", node.clock.now()
        )
        relay = await relays.put(
            session,
            inbox_url="https://relay.test/inbox",
            actor_iri=None,
            style="mastodon",
            follow_iri="https://node.test/activities/relay",
            now=node.clock.now(),
        )
        await relays.answered(
            session, relay.id, "https://relay.test/actor", relays.ACCEPTED, node.clock.now()
        )
    await client.post(
        "/api/v1/circles", json={"name": "inner", "members": [rosa, BETA]}, headers=auth
    )
    body = call_body(node, visibility="circle", circle="inner", content="Ask @fan@fans.test too.")
    made = await client.post("/api/v1/calls", json=body, headers=auth)
    assert made.status_code == 201, made.text
    assert (made.json()["visibility"], made.json()["circle"]) == ("circle", "inner")
    iri, key = made.json()["id"], made.json()["key"]
    async with node.db.transaction() as session:
        stored = await objects.get(session, iri)
    assert stored is not None
    assert (stored.document["to"], stored.document["cc"]) == ([rosa, BETA], [])
    assert stored.document["circle"] is True
    sent = await delivered(node)
    assert [inbox for inbox, _ in sent] == [f"{rosa}/inbox"]  # beta is here; fan and relay: no
    [(_, create)] = sent
    assert create["to"] == [rosa, BETA] and create["cc"] == [] and create["object"]["circle"]

    revised = await client.patch(f"/api/v1/calls/{key}", json={"circle": "other"}, headers=auth)
    assert revised.status_code == 400
    revised = await client.patch(f"/api/v1/calls/{key}", json={"title": "Moved"}, headers=auth)
    assert revised.status_code == 200, revised.text
    assert {inbox for inbox, _ in await delivered(node)} == {f"{rosa}/inbox"}
    pinned = await client.post(f"/api/v1/calls/{key}/pin", headers=auth)
    assert pinned.status_code == 400


async def test_a_circle_call_is_never_listed(
    client: httpx.AsyncClient, node: Runtime, alpha: str, auth: dict[str, str]
) -> None:
    async with node.db.transaction() as session:
        await follows.put(session, BETA, alpha, follows.ACCEPTED, None, node.clock.now())
    await client.post("/api/v1/circles", json={"name": "inner", "members": [BETA]}, headers=auth)
    hidden = call_body(node, title="Hidden shelter", visibility="circle", circle="inner")
    open_call = call_body(node, title="Open shelter")
    assert (await client.post("/api/v1/calls", json=hidden, headers=auth)).status_code == 201
    assert (await client.post("/api/v1/calls", json=open_call, headers=auth)).status_code == 201
    as2 = {"Accept": "application/activity+json"}
    outbox = (await client.get(f"{alpha}/outbox?page=1", headers=as2)).text
    profile = (await client.get("/@alpha")).text
    assert "Open shelter" in outbox and "Hidden shelter" not in outbox
    assert "Open shelter" in profile and "Hidden shelter" not in profile
    beta = await beta_auth(node)
    timeline = (await client.get("/api/v1/timeline", headers=beta)).json()["items"]
    assert [item["title"] for item in timeline] == ["Open shelter"]
    found = (await client.get("/api/v1/search", params={"q": "shelter"}, headers=beta)).json()
    assert [item["title"] for item in found["items"]] == ["Open shelter"]
    own = (await client.get("/api/v1/search", params={"q": "shelter"}, headers=auth)).json()
    assert {item["title"] for item in own["items"]} == {"Open shelter", "Hidden shelter"}
