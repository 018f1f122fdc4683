"""/healthz (the process answers, naming the Host it was asked for), /readyz (the database
answers too: 503 when it does not, without saying why), and a JSON log line per request with
its request id."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from node.app import create_app
from node.config import Settings
from node.federation.runtime import make_runtime
from node.logs import JsonFormatter, RequestIdFilter


async def test_healthz_names_the_host_it_was_asked_for(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Host": "node.test:8443"})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "host": "node.test:8443"}


async def test_readyz_says_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


async def test_readyz_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "node.db"
    settings = Settings(tmp_path, "https://node.test", f"sqlite+aiosqlite:///{missing}")
    node = make_runtime(settings)
    transport = httpx.ASGITransport(app=create_app(settings, runtime=node))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="https://node.test") as http:
            assert (await http.get("/healthz")).status_code == 200
            ready = await http.get("/readyz")
            assert (ready.status_code, ready.json()) == (503, {"status": "unavailable"})
            scraped = await http.get("/metrics")
            assert scraped.status_code == 200 and "sn_database_up 0.0" in scraped.text
    finally:
        await node.close()


async def test_each_request_logs_a_json_line_with_its_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="node.access"):
        response = await client.get("/healthz?token=secret", headers={"X-Request-Id": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
    record = next(r for r in caplog.records if r.name == "node.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123"
    assert line["http"] == {
        "method": "GET",
        "path": "/healthz",
        "status": 200,
        "ms": line["http"]["ms"],
    }
    assert "secret" not in json.dumps(line) and "127.0.0.1" not in json.dumps(line)
    assert line["level"] == "info" and line["logger"] == "node.access"


@pytest.mark.parametrize("given", ["caf\u00e9", "a b", "x" * 65, "id\r\nX-Evil: 1"])
async def test_a_request_id_not_short_ascii_alphanumerics_is_replaced(
    client: httpx.AsyncClient, given: str
) -> None:
    response = await client.get("/healthz", headers=[(b"X-Request-Id", given.encode("latin-1"))])
    assert response.headers["x-request-id"] != given
    assert len(response.headers["x-request-id"]) == 16
