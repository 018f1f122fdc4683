"""GET and PATCH /api/v1/organisation on SQLite and PostgreSQL: the token's organisation with
its hop cap (default 6, 1 to 20), profile changes, and clear 400s for bad input."""

from __future__ import annotations

import httpx
import pytest

from node.federation.runtime import Runtime
from node.solidarity import organisations


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
    assert body["actor"].endswith("/orgs/alpha")


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
