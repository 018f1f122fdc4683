"""The publishing API over HTTP, on SQLite and PostgreSQL: strategies and calls created (201
with their summary), revised, pinned and withdrawn; what came back for them; pledges to calls;
and clear 4xx answers for what is refused."""

from __future__ import annotations

import httpx

from node.federation.runtime import Runtime
from node.solidarity import organisations

CALL = {
    "title": "Fill the court",
    "content": "Come.",
    "deadline": "2026-12-01T18:00Z",
    "regions": ["PL"],
    "actions": ["Come at nine"],
    "max_hops": 4,
}
STRATEGY = {"title": "Observers", "content": "Watch.", "summary": "Pairs.", "themes": ["legal"]}


async def test_a_call_is_created_revised_pinned_and_withdrawn(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    made = await client.post("/api/v1/calls", json=CALL, headers=auth)
    assert made.status_code == 201, made.text
    body = made.json()
    key = body["key"]
    assert body["id"] == body["url"] == f"https://node.test/calls/{key}"
    assert (body["kind"], body["visibility"], body["urgency"], body["max_hops"]) == (
        "call",
        "public",
        "normal",
        4,
    )
    assert (body["deadline"], body["regions"], body["actions"]) == (
        "2026-12-01T18:00:00+00:00",
        ["PL"],
        ["Come at nine"],
    )
    assert (body["pinned"], body["updated"]) == (False, None)

    revised = await client.patch(f"/api/v1/calls/{key}", json={"urgency": "high"}, headers=auth)
    assert revised.status_code == 200 and revised.json()["urgency"] == "high"
    assert revised.json()["updated"] is not None
    pinned = await client.post(f"/api/v1/calls/{key}/pin", headers=auth)
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    unpinned = await client.delete(f"/api/v1/calls/{key}/pin", headers=auth)
    assert unpinned.json()["pinned"] is False

    withdrawn = await client.delete(f"/api/v1/calls/{key}", headers=auth)
    assert withdrawn.status_code == 204
    again = await client.delete(f"/api/v1/calls/{key}", headers=auth)
    assert again.status_code == 404 and "was deleted" in again.json()["error"]


async def test_a_strategy_and_what_came_back_for_it(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    made = await client.post("/api/v1/strategies", json=STRATEGY, headers=auth)
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert (made.json()["kind"], made.json()["summary"], made.json()["themes"]) == (
        "strategy",
        "Pairs.",
        ["legal"],
    )
    found = await client.get(f"/api/v1/strategies/{key}/responses", headers=auth)
    assert found.status_code == 200
    assert found.json() == {
        "object": made.json()["id"],
        "replies": [],
        "pledges": [],
        "likes": [],
        "announces": [],
    }
    wrong_kind = await client.get(f"/api/v1/calls/{key}/responses", headers=auth)
    assert wrong_kind.status_code == 404


async def test_pledges_answer_calls_not_strategies(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    beta = await organisations.create_token(node.db, node.clock, "beta")
    theirs = await client.post(
        "/api/v1/calls", json=CALL, headers={"Authorization": f"Bearer {beta}"}
    )
    key = theirs.json()["key"]

    pledged = await client.post(
        f"/api/v1/calls/{key}/pledges", json={"content": "We come."}, headers=auth
    )
    assert pledged.status_code == 202, pledged.text
    assert pledged.json()["in_reply_to"] == theirs.json()["id"]
    assert pledged.json()["id"].startswith("https://node.test/notes/")
    strategy = await client.post(
        f"/api/v1/strategies/{key}/pledges", json={"content": "We come."}, headers=auth
    )
    assert strategy.status_code == 400
    assert strategy.json()["error"] == "pledges answer calls, not strategies"
    empty = await client.post(f"/api/v1/calls/{key}/pledges", json={}, headers=auth)
    assert empty.status_code == 400 and "'content' is required" in empty.json()["error"]


async def test_refusals_are_clear_4xx_answers(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    assert (await client.post("/api/v1/calls", json=CALL)).status_code == 401
    bad = await client.post("/api/v1/calls", json=CALL | {"urgency": "asap"}, headers=auth)
    assert bad.status_code == 400 and "'urgency' must be one of" in bad.json()["error"]
    broken = await client.post("/api/v1/calls", content=b"{", headers=auth)
    assert broken.status_code == 400 and "not JSON" in broken.json()["error"]
    listed = await client.post("/api/v1/calls", json=[CALL], headers=auth)
    assert listed.status_code == 400
    private = await client.post(
        "/api/v1/strategies", json=STRATEGY | {"visibility": "followers"}, headers=auth
    )
    key = private.json()["key"]
    pin = await client.post(f"/api/v1/strategies/{key}/pin", headers=auth)
    assert pin.status_code == 400 and "can be pinned" in pin.json()["error"]
    change = await client.patch(
        f"/api/v1/strategies/{key}", json={"visibility": "public"}, headers=auth
    )
    assert change.status_code == 400 and "visibility cannot change" in change.json()["error"]
    assert (await client.delete("/api/v1/strategies/unknown", headers=auth)).status_code == 404
