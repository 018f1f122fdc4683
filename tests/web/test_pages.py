"""HTML pages for people, through the real ASGI app: the node's home lists its organisations."""

from __future__ import annotations

import httpx

HTML = {"Accept": "text/html"}


async def test_home_page_lists_organisations(client: httpx.AsyncClient, alpha: str) -> None:
    response = await client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Alpha Collective" in response.text and "@alpha@node.test" in response.text
