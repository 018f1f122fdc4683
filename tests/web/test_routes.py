"""The single route table: every publication path with its collections, every publishing API
path for both kinds, and no (path, method) routed twice."""

from __future__ import annotations

from collections import Counter

from starlette.routing import Mount, Route

from node.web import routes


def methods() -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for route in routes.routes():
        if isinstance(route, Route):
            for method in route.methods or {"GET"}:
                found[(route.path, method)] += 1
    return found


def test_no_path_and_method_is_routed_twice() -> None:
    assert [pair for pair, count in methods().items() if count > 1] == []


def test_every_publication_and_publishing_path_is_routed() -> None:
    routed = methods()
    for path in routes.PUBLICATION_PATHS:
        assert (f"/{path}/{{key}}", "GET") in routed
        assert (f"/{path}/{{key}}/{{collection}}", "GET") in routed
    for path in routes.PUBLISHING_PATHS:
        base = f"/api/v1/{path}"
        for pair in [
            (base, "POST"),
            (f"{base}/{{key}}", "PATCH"),
            (f"{base}/{{key}}", "DELETE"),
            (f"{base}/{{key}}/pin", "POST"),
            (f"{base}/{{key}}/pin", "DELETE"),
            (f"{base}/{{key}}/responses", "GET"),
            (f"{base}/{{key}}/pledges", "POST"),
        ]:
            assert pair in routed, pair
    inboxes = [path for path, method in routed if path.endswith("inbox") and method == "POST"]
    assert sorted(inboxes) == [
        "/actor/inbox",
        "/inbox",
        "/orgs/{name}/inbox",
        "/users/{name}/inbox",
    ]
    assert any(isinstance(r, Mount) and r.path == "/static" for r in routes.routes())
