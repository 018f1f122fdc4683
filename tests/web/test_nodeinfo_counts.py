"""NodeInfo counts public posts only: what an organisation said to its followers or to a few
addressees is nobody else's business, not even as a number."""

from __future__ import annotations

from datetime import timedelta

import httpx

from node.federation.runtime import Runtime
from node.solidarity import organisations, publishing, validation


async def test_local_posts_are_the_public_ones(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    org = await organisations.get(node.db, "alpha")
    deadline = (node.clock.now() + timedelta(days=1)).isoformat()
    for visibility in ("public", "unlisted", "followers", "direct"):
        body = {"title": "T", "content": "C", "deadline": deadline, "visibility": visibility}
        await publishing.publish(node, org, validation.call(body, node.clock.now()))
    for version in ("2.0", "2.1"):
        usage = (await client.get(f"/nodeinfo/{version}")).json()["usage"]
        assert usage["localPosts"] == 1
