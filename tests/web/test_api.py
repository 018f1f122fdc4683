"""The organisation and follows API on SQLite and PostgreSQL: GET and PATCH
/api/v1/organisation (the token's organisation with its hop cap, default 6, 1 to 20, profile
changes, clear 400s for bad input); following, listing, unfollowing, and deciding on followers."""

from __future__ import annotations

import httpx
import pytest

from node.activitypub.objects import ActivityView
from node.federation import following
from node.federation.runtime import Runtime
from node.solidarity import organisations
from tests.support.actors import RemoteHost


@pytest.fixture
async def token(node: Runtime) -> str:
    await organisations.create_organisation(node.db, node.clock, node.urls, "alpha", "Alpha")
    return await organisations.create_token(node.db, node.clock, "alpha")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_organisation_with_its_default_hop_cap(
    client: httpx.AsyncClient, token: str
) -> None:
    shown = await client.get("/api/v1/organisation", headers=bearer(token))
    assert shown.status_code == 200
    body = shown.json()
    assert body["name"] == "alpha" and body["display_name"] == "Alpha"
    assert body["max_hops"] == 6
    assert body["actor"].endswith("/users/alpha")


async def test_the_hop_cap_changes_and_stays(
    client: httpx.AsyncClient, node: Runtime, token: str
) -> None:
    changed = await client.patch(
        "/api/v1/organisation", headers=bearer(token), json={"max_hops": 3}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["max_hops"] == 3 and changed.json()["display_name"] == "Alpha"
    assert (await organisations.get(node.db, "alpha")).max_hops == 3
    renamed = await client.patch(
        "/api/v1/organisation", headers=bearer(token), json={"display_name": "Alpha Co"}
    )
    assert renamed.json()["max_hops"] == 3 and renamed.json()["display_name"] == "Alpha Co"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"max_hops": 0}, "from 1 to 20"),
        ({"max_hops": 21}, "from 1 to 20"),
        ({"max_hops": -3}, "from 1 to 20"),
        ({"max_hops": "5"}, "'max_hops' must be a whole number"),
        ({"max_hops": 2.5}, "'max_hops' must be a whole number"),
        ({"max_hops": True}, "'max_hops' must be a whole number"),
        ({"colour": "red"}, "unknown fields: colour"),
        ({"display_name": "x" * 101}, "longer than 100"),
    ],
)
async def test_bad_input_is_a_400(
    client: httpx.AsyncClient, node: Runtime, token: str, body: dict[str, object], message: str
) -> None:
    answer = await client.patch("/api/v1/organisation", headers=bearer(token), json=body)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]
    assert (await organisations.get(node.db, "alpha")).max_hops == 6


async def test_a_token_is_needed(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/organisation")).status_code == 401
    assert (await client.patch("/api/v1/organisation", json={"max_hops": 2})).status_code == 401


async def test_malformed_json_is_a_400(client: httpx.AsyncClient, token: str) -> None:
    answer = await client.patch(
        "/api/v1/organisation",
        headers=bearer(token) | {"Content-Type": "application/json"},
        content=b"{nope",
    )
    assert answer.status_code == 400


async def test_follows_are_made_listed_and_undone(
    client: httpx.AsyncClient, node: Runtime, token: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    made = await client.post(
        "/api/v1/follows", headers=bearer(token), json={"target": "bob@remote.test"}
    )
    assert made.status_code == 202, made.text
    follow = made.json()
    assert (follow["target"], follow["state"]) == (bob.iri, "pending")
    assert follow["id"].startswith("https://node.test/activities/")
    listed = await client.get("/api/v1/follows", headers=bearer(token))
    assert listed.json()["follows"] == [follow]
    key = follow["id"].rsplit("/", 1)[-1]
    assert (await client.delete(f"/api/v1/follows/{key}", headers=bearer(token))).status_code == 204
    assert (await client.get("/api/v1/follows", headers=bearer(token))).json()["follows"] == []
    missing = await client.delete(f"/api/v1/follows/{key}", headers=bearer(token))
    assert missing.status_code == 404
    empty = await client.post("/api/v1/follows", headers=bearer(token), json={"target": " "})
    assert empty.status_code == 400 and "'target' is required" in empty.json()["error"]


async def test_followers_are_listed_and_decided(
    client: httpx.AsyncClient, node: Runtime, token: str, remote: RemoteHost
) -> None:
    bob, carol = remote.actor("bob"), remote.actor("carol")
    await organisations.update(node, "alpha", manually_approves_followers=True)
    alpha = node.urls.actor("alpha")
    for actor in (bob, carol):
        follow = {"id": f"{actor.iri}/f/1", "type": "Follow", "actor": actor.iri, "object": alpha}
        await following.on_follow(node, ActivityView.from_document(follow))
    listed = await client.get("/api/v1/followers", headers=bearer(token))
    assert [(f["actor"], f["state"]) for f in listed.json()["followers"]] == [
        (bob.iri, "pending"),
        (carol.iri, "pending"),
    ]
    approved = await client.post(
        "/api/v1/followers/approve", headers=bearer(token), json={"actor": bob.iri}
    )
    assert approved.status_code == 200 and approved.json()["state"] == "accepted"
    rejected = await client.post(
        "/api/v1/followers/reject", headers=bearer(token), json={"actor": carol.iri}
    )
    assert rejected.json()["state"] == "rejected"
    after = await client.get("/api/v1/followers", headers=bearer(token))
    assert [f["actor"] for f in after.json()["followers"]] == [bob.iri]
    word = await client.post(
        "/api/v1/followers/maybe", headers=bearer(token), json={"actor": bob.iri}
    )
    assert word.status_code == 400
