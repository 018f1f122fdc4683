"""API authentication through the real ASGI app, on SQLite and PostgreSQL: a bearer token names
its organisation; a missing, malformed, unknown or orphaned token is a 401 that says why."""

from __future__ import annotations

import httpx

from node.federation.runtime import Runtime
from node.storage import actors


async def test_a_bearer_token_names_its_organisation(
    client: httpx.AsyncClient, node: Runtime, token: str
) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        shown = await client.get(
            "/api/v1/organisation", headers={"Authorization": f"{scheme} {token}"}
        )
        assert shown.status_code == 200 and shown.json()["name"] == "alpha"
    for header in ("", f"Basic {token}", "Bearer", "Bearer   ", token):
        refused = await client.get("/api/v1/organisation", headers={"Authorization": header})
        assert refused.status_code == 401, header
        assert "Authorization: Bearer TOKEN" in refused.json()["error"]
    unknown = await client.get(
        "/api/v1/organisation", headers={"Authorization": f"Bearer {token}x"}
    )
    assert unknown.status_code == 401 and unknown.json()["error"] == "unknown token"
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    orphaned = await client.get(
        "/api/v1/organisation", headers={"Authorization": f"Bearer {token}"}
    )
    assert orphaned.status_code == 401 and "deleted" in orphaned.json()["error"]
