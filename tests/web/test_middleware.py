"""Cross-cutting HTTP behaviour through the real ASGI app: every request gets an id (a sane
X-Request-Id is kept) echoed back; every error of the node's tree is its status with a JSON
`{"error": …}` (a page for browsers, never under /api/); anything unexpected is a 500 that
names the request id and nothing more."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node import errors
from node.app import create_app
from node.federation.runtime import Runtime
from node.web import middleware
from node.web.app_state import runtime


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.NotFound("x"), 404),
        (errors.Gone("x"), 410),
        (errors.PayloadTooLarge("x"), 413),
        (errors.UnsupportedMediaType("x"), 415),
        (errors.InvalidInput("x"), 400),
        (errors.Forbidden("x"), 403),
        (errors.Unauthorized("x"), 401),
        (errors.DigestMismatch("x"), 401),
        (errors.JsonLdError("x"), 400),
        (errors.OriginMismatch("x"), 400),
        (errors.WebFingerError("x"), 400),
        (errors.FetchTimeout("https://r.test/", "slow"), 502),
        (errors.FetchStatus("https://r.test/", 500), 502),
        (errors.Overloaded("x", 10), 503),
        (errors.StorageError("x"), 503),
        (errors.ConfigError("x"), 400),
    ],
)
def test_each_error_has_its_status(error: errors.SolidarityError, status: int) -> None:
    assert middleware.status_of(error) == status


async def test_a_request_id_is_kept_when_sane_and_made_otherwise(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/.well-known/nodeinfo", headers={"X-Request-Id": "abc123"})
    assert kept.headers["x-request-id"] == "abc123"
    for given in ("a b", "x" * 65, "<script>"):
        made = await client.get("/.well-known/nodeinfo", headers={"X-Request-Id": given})
        assert made.headers["x-request-id"] != given and len(made.headers["x-request-id"]) == 16


async def test_errors_are_json_for_clients_and_pages_for_browsers(
    client: httpx.AsyncClient,
) -> None:
    as_json = await client.get("/users/nobody", headers={"Accept": "application/activity+json"})
    assert as_json.status_code == 404
    assert as_json.json() == {"error": "no organisation named 'nobody' on this node"}
    as_page = await client.get("/@nobody", headers={"Accept": "text/html"})
    assert as_page.status_code == 404 and as_page.headers["content-type"].startswith("text/html")
    api = await client.get("/api/v1/organisation", headers={"Accept": "text/html"})
    assert api.status_code == 401 and "error" in api.json()  # the API answers JSON to all
    unrouted = await client.get("/nowhere")
    assert unrouted.status_code == 404 and unrouted.json() == {"error": "Not Found"}


async def test_an_unexpected_error_is_a_500_naming_only_the_request_id(
    node: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: Request) -> Response:
        assert runtime(request) is node
        raise RuntimeError("secret detail")

    app = create_app(node.settings, runtime=node)
    app.router.routes.insert(0, Route("/broken", broken))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://node.test") as http:
        with caplog.at_level(logging.ERROR, logger="node.web"):
            answer = await http.get("/broken", headers={"X-Request-Id": "req42"})
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error (request id req42)"}
    assert "secret detail" not in answer.text
    assert "request req42: unexpected error" in caplog.text
