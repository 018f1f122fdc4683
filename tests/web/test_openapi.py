"""/api/v1/openapi.json describes exactly the API routes of the route table."""

from __future__ import annotations

import httpx
from starlette.routing import Route

from node.web.routes import routes


def api_operations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in routes():
        if isinstance(route, Route) and route.path.startswith("/api/v1/"):
            if route.path == "/api/v1/openapi.json":
                continue
            for method in route.methods or ():
                if method not in ("HEAD", "OPTIONS"):
                    found.add((method.lower(), route.path))
    return found


async def test_openapi_describes_every_api_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    described = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert described == api_operations()
    for path, ops in spec["paths"].items():
        for op in ops.values():
            for name in (part[1:-1] for part in path.split("/") if part.startswith("{")):
                assert any(p["name"] == name for p in op.get("parameters", [])), path
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if ref:
                assert ref["schema"]["$ref"].split("/")[-1] in spec["components"]["schemas"]
