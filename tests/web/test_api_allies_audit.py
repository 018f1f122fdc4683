"""Ally and circle changes through the API are audited as the organisation whose token made
them, with the address the request came from (on SQLite and PostgreSQL); a refused request
(4xx) leaves no entry."""

from __future__ import annotations

import httpx

from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import audit
from node.storage.audit import Entry

BETA = "https://node.test/users/beta"
GAMMA = "https://node.test/users/gamma"


async def logged(node: Runtime) -> list[Entry]:
    """Ally and circle entries, oldest first."""
    async with node.db.transaction() as session:
        found = await audit.entries(session, limit=500)
    return [e for e in reversed(found) if e.action.startswith(("ally.", "circle."))]


async def others(node: Runtime) -> dict[str, str]:
    for name in ("beta", "gamma"):
        await organisations.create_organisation(node.db, node.clock, node.urls, name)
    token = await organisations.create_token(node.db, node.clock, "beta")
    return {"Authorization": f"Bearer {token}"}


async def test_ally_changes_over_the_api_are_audited(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    beta = await others(node)
    body = {"actor": "beta@node.test", "amplify": "urgent"}
    made = await client.post("/api/v1/allies", json=body, headers=auth)
    assert made.status_code == 201, made.text
    ally_id = made.json()["id"]
    again = await client.post("/api/v1/allies", json=body | {"amplify": "auto"}, headers=auth)
    assert again.status_code == 200
    refused = [
        await client.post("/api/v1/allies", json=body | {"amplify": "always"}, headers=auth),
        await client.post("/api/v1/allies", json=body | {"circle": "nope"}, headers=auth),
        await client.post("/api/v1/allies", json={"actor": "alpha@node.test"}, headers=auth),
        await client.delete(f"/api/v1/allies/{ally_id}", headers=beta),  # not beta's
    ]
    assert [r.status_code for r in refused] == [400, 400, 400, 404]
    assert (await client.delete(f"/api/v1/allies/{ally_id}", headers=auth)).status_code == 204

    entries = await logged(node)
    assert [(str(e.who), e.action, e.target) for e in entries] == [
        ("organisation:alpha", "ally.add", BETA),
        ("organisation:alpha", "ally.update", BETA),
        ("organisation:alpha", "ally.remove", BETA),
    ]
    assert all(e.who.origin == "127.0.0.1" for e in entries)
    assert entries[1].details["amplify"] == "auto"
    assert entries[1].details["was"]["amplify"] == "urgent"
    assert entries[2].details == {"org": "alpha", "id": ally_id, "amplify": "auto"}


async def test_circle_changes_over_the_api_are_audited(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    await others(node)
    body = {"name": "inner", "members": ["beta@node.test"]}
    assert (await client.post("/api/v1/circles", json=body, headers=auth)).status_code == 201
    change = {"add": [GAMMA], "remove": [BETA]}
    changed = await client.patch("/api/v1/circles/inner", json=change, headers=auth)
    assert changed.status_code == 200 and changed.json()["members"] == [GAMMA]
    refused = [
        await client.post("/api/v1/circles", json=body, headers=auth),  # exists
        await client.patch("/api/v1/circles/inner", json={"add": ["nobody"]}, headers=auth),
        await client.patch("/api/v1/circles/nope", json=change, headers=auth),
        await client.delete("/api/v1/circles/nope", headers=auth),
    ]
    assert [r.status_code for r in refused] == [400, 400, 404, 404]
    assert (await client.delete("/api/v1/circles/inner", headers=auth)).status_code == 204

    entries = await logged(node)
    assert [(str(e.who), e.action, e.target, e.details) for e in entries] == [
        ("organisation:alpha", "circle.create", "inner", {"org": "alpha", "members": [BETA]}),
        ("organisation:alpha", "circle.members.add", "inner", {"org": "alpha", "members": [GAMMA]}),
        (
            "organisation:alpha",
            "circle.members.remove",
            "inner",
            {"org": "alpha", "members": [BETA]},
        ),
        ("organisation:alpha", "circle.delete", "inner", {"org": "alpha", "members": 1}),
    ]
    assert all(e.who.origin == "127.0.0.1" for e in entries)
