"""The inbox endpoints through the real ASGI app, on SQLite and PostgreSQL: shared, instance
actor's and per-organisation inboxes answer a stored activity with an empty 202 (with its
request id); a body over the limit is refused while it streams, whatever it declared; other
methods are refused. Requests are really signed by remote.test's actors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from node.config import Settings
from node.federation.runtime import Runtime
from node.storage import inbox_items
from tests.support.actors import RemoteHost, create_note, post_signed, signed_headers

LIMIT = 4096


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, inbox_max_bytes=LIMIT)


async def stored(node: Runtime) -> int:
    async with node.db.transaction() as session:
        return sum((await inbox_items.count_by_state(session)).values())


async def test_every_inbox_answers_an_empty_202_with_the_request_id(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    inboxes = ("/inbox", "/actor/inbox", "/users/alpha/inbox")
    for n, path in enumerate(inboxes):
        url = f"https://node.test{path}"
        answer = await post_signed(client, bob, url, create_note(bob, f"n{n}"), node.clock.now())
        assert answer.status_code == 202, answer.text
        assert answer.content == b"" and answer.headers["content-length"] == "0"
        assert len(answer.headers["x-request-id"]) == 16
    assert await stored(node) == len(inboxes)


async def test_a_body_over_the_limit_is_refused_while_it_streams(
    client: httpx.AsyncClient, node: Runtime, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    url = "https://node.test/inbox"
    note = create_note(bob, "big")
    note["object"]["content"] = "x" * LIMIT
    body = json.dumps(note).encode()
    headers = signed_headers(bob, url, body, node.clock.now())

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    streamed = await client.post(url, content=chunks(), headers=headers)
    assert streamed.status_code == 413 and "content-length" not in streamed.request.headers
    assert streamed.json()["error"] == f"the body is over {LIMIT} bytes"
    declared = await client.post(url, content=b"{}", headers=headers | {"Content-Length": "99999"})
    assert declared.status_code == 413
    assert await stored(node) == 0


async def test_an_inbox_is_not_for_reading(client: httpx.AsyncClient, alpha: str) -> None:
    for path in ("/inbox", "/actor/inbox"):
        refused = await client.get(path)
        assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    # an organisation's inbox is no collection of the actor's to read
    unread = await client.get("/users/alpha/inbox", headers={"Accept": "application/activity+json"})
    assert unread.status_code == 404 and unread.json() == {"error": "no such collection: inbox"}
