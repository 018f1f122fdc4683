"""The cascade API over HTTP, on SQLite and PostgreSQL: allies added (201, then 200 when
re-set), listed and removed; amplifications awaiting a member, approved or rejected; amplifying
a call by hand; a call's cascade tree; and clear 4xx answers."""

from __future__ import annotations

import httpx

from node.federation.runtime import Runtime
from node.solidarity import organisations

CALL = {"title": "Fill the court", "content": "Come.", "deadline": "2026-12-01T18:00Z"}


async def beta_token(node: Runtime) -> dict[str, str]:
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    token = await organisations.create_token(node.db, node.clock, "beta")
    return {"Authorization": f"Bearer {token}"}


async def test_allies_are_added_re_set_listed_and_removed(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    await beta_token(node)
    body = {"actor": "beta@node.test", "amplify": "urgent", "regions": ["PL"]}
    made = await client.post("/api/v1/allies", json=body, headers=auth)
    assert made.status_code == 201, made.text
    ally = made.json()
    assert (ally["actor"], ally["amplify"], ally["regions"], ally["themes"]) == (
        "https://node.test/users/beta",
        "urgent",
        ["PL"],
        [],
    )
    assert ally["since"] == "2026-11-21T12:00:00Z"
    again = await client.post("/api/v1/allies", json=body | {"amplify": "auto"}, headers=auth)
    assert again.status_code == 200 and again.json()["id"] == ally["id"]
    listed = await client.get("/api/v1/allies", headers=auth)
    assert [a["amplify"] for a in listed.json()["allies"]] == ["auto"]
    assert (await client.delete(f"/api/v1/allies/{ally['id']}", headers=auth)).status_code == 204
    missing = await client.delete(f"/api/v1/allies/{ally['id']}", headers=auth)
    assert missing.status_code == 404
    bad = await client.delete("/api/v1/allies/abc", headers=auth)
    assert bad.status_code == 400 and bad.json()["error"] == "'id' must be a number, not 'abc'"
    policy = await client.post("/api/v1/allies", json=body | {"amplify": "always"}, headers=auth)
    assert policy.status_code == 400


async def test_a_member_approves_or_rejects_what_waits(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    beta = await beta_token(node)
    ally = {"actor": "alpha@node.test", "amplify": "manual"}
    assert (await client.post("/api/v1/allies", json=ally, headers=beta)).status_code == 201
    first = (await client.post("/api/v1/calls", json=CALL, headers=auth)).json()
    second = (await client.post("/api/v1/calls", json=CALL, headers=auth)).json()

    pending = (await client.get("/api/v1/amplifications/pending", headers=beta)).json()["pending"]
    assert [(p["object"], p["state"], p["hop"], p["title"]) for p in pending] == [
        (first["id"], "pending", 1, "Fill the court"),
        (second["id"], "pending", 1, "Fill the court"),
    ]
    approved = await client.post(f"/api/v1/amplifications/{pending[0]['id']}/approve", headers=beta)
    assert approved.status_code == 200 and approved.json()["state"] == "sent"
    assert approved.json()["announce"].startswith("https://node.test/activities/")
    rejected = await client.post(f"/api/v1/amplifications/{pending[1]['id']}/reject", headers=beta)
    assert rejected.json()["state"] == "rejected"
    twice = await client.post(f"/api/v1/amplifications/{pending[1]['id']}/approve", headers=beta)
    assert twice.status_code == 400 and "already rejected" in twice.json()["error"]
    other = await client.post(f"/api/v1/amplifications/{pending[1]['id']}/approve", headers=auth)
    assert other.status_code == 404
    word = await client.post(f"/api/v1/amplifications/{pending[1]['id']}/maybe", headers=beta)
    assert word.status_code == 400


async def test_amplifying_by_hand_and_the_tree_it_makes(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    beta = await beta_token(node)
    call = (await client.post("/api/v1/calls", json=CALL, headers=auth)).json()

    made = await client.post(f"/api/v1/calls/{call['key']}/amplify", headers=beta)
    assert made.status_code == 201, made.text
    assert (made.json()["state"], made.json()["hop"]) == ("sent", 1)
    twice = await client.post(f"/api/v1/calls/{call['key']}/amplify", headers=beta)
    assert twice.status_code == 400
    own = await client.post(f"/api/v1/calls/{call['key']}/amplify", headers=auth)
    assert own.status_code == 400

    tree = await client.get(f"/api/v1/calls/{call['key']}/cascade", headers=beta)
    assert tree.status_code == 200
    nodes = tree.json()["nodes"]
    assert [(n["type"], n["actor"], n["hop"]) for n in nodes] == [
        ("Create", "https://node.test/users/alpha", 0),
        ("Announce", "https://node.test/users/beta", 1),
    ]
    assert nodes[1]["via"] == nodes[0]["id"]
    unknown = await client.get("/api/v1/calls/unknown/cascade", headers=beta)
    assert unknown.status_code == 404
