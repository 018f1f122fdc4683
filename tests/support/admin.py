"""Node admins in tests: an admin token for /api/v1/admin, as `solidarity-node admin token`
makes it, and the API called with it."""

from __future__ import annotations

from typing import Any

import httpx

from node.federation.runtime import Runtime
from node.storage import actors, tokens


async def admin_token(node: Runtime, label: str = "test admin") -> str:
    async with node.db.transaction() as session:
        instance = await actors.instance_actor(session)
        return await tokens.create(session, instance.id, label, node.clock.now())


async def admin_api(
    client: httpx.AsyncClient, token: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} | kwargs.pop("headers", {})
    return await client.request(method, f"/api/v1/admin{path}", headers=headers, **kwargs)
