"""What a running node holds: nothing fetches before start() (which loads the instance actor's
signing key), JSON-LD is built at first use, and the one HTTP client sends the node's user
agent, keeps no cookies, follows no redirects and ignores proxies from the environment."""

from __future__ import annotations

import httpx
import pytest

from node import SOFTWARE_NAME, __version__
from node.config import Settings
from node.errors import StorageError
from node.federation.runtime import Runtime, make_http_client, make_runtime
from tests.support.actors import RemoteHost
from tests.support.router import HostRouter


async def test_nothing_is_fetched_before_the_node_starts(settings: Settings) -> None:
    idle = make_runtime(settings)
    try:
        with pytest.raises(StorageError, match=r"call Runtime.start\(\) first"):
            idle.fetcher  # noqa: B018
    finally:
        await idle.close()


async def test_a_started_node_signs_its_fetches_as_the_instance_actor(
    node: Runtime, remote: RemoteHost, router: HostRouter
) -> None:
    bob = remote.actor("bob")
    fetched = await node.fetcher.get_json(bob.iri)
    assert fetched.document["id"] == bob.iri
    (request,) = router.requests
    assert 'keyId="https://node.test/actor#main-key"' in request.headers["signature"]
    assert node.jsonld is node.jsonld  # built once, at first use


async def test_the_http_client_sends_its_agent_and_keeps_no_cookies_nor_follows_redirects(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        headers = {"Set-Cookie": "session=1; Domain=remote.test", "Location": "/elsewhere"}
        return httpx.Response(302, headers=headers)

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    client = make_http_client(settings, httpx.MockTransport(answer))
    try:
        first = await client.get("https://remote.test/a")
        await client.get("https://remote.test/b")
    finally:
        await client.aclose()
    assert first.status_code == 302  # not followed
    assert [str(r.url) for r in seen] == ["https://remote.test/a", "https://remote.test/b"]
    assert "cookie" not in seen[1].headers
    assert seen[0].headers["user-agent"] == settings.user_agent
    assert settings.user_agent == f"{SOFTWARE_NAME}/{__version__} (+https://node.test/)"
    assert not client.trust_env
