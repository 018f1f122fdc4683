"""Organisations at /users/NAME; /orgs/NAME and /@NAME answer as aliases (redirects for AS2 and
HTML alike, /@NAME staying the profile page for browsers), through the real ASGI app."""

from __future__ import annotations

import httpx
import pytest

AS2 = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}


async def test_the_actor_and_its_collections_live_under_users(
    client: httpx.AsyncClient, alpha: str
) -> None:
    assert alpha == "https://node.test/users/alpha"
    actor = (await client.get("/users/alpha", headers=AS2)).json()
    assert actor["id"] == alpha
    for name in ("inbox", "outbox", "followers", "following", "featured"):
        assert actor[name] == f"{alpha}/{name}"
    assert actor["publicKey"]["id"] == f"{alpha}#main-key"
    followers = await client.get("/users/alpha/followers", headers=AS2)
    assert followers.status_code == 200 and followers.json()["id"] == f"{alpha}/followers"


@pytest.mark.parametrize("headers", [AS2, HTML], ids=["as2", "html"])
async def test_the_older_path_redirects_to_the_actor(
    client: httpx.AsyncClient, alpha: str, headers: dict[str, str]
) -> None:
    moved = await client.get("/orgs/alpha", headers=headers)
    assert moved.status_code == 301
    assert moved.headers["location"] == alpha
    assert "Accept" in moved.headers["vary"]
    page = await client.get("/orgs/alpha/outbox?page=1", headers=headers)
    assert page.status_code == 301
    assert page.headers["location"] == f"{alpha}/outbox?page=1"


async def test_the_profile_url_redirects_as2_clients_and_shows_people_the_page(
    client: httpx.AsyncClient, alpha: str
) -> None:
    moved = await client.get("/@alpha", headers=AS2)
    assert moved.status_code == 301 and moved.headers["location"] == alpha
    followed = await client.get("/@alpha", headers=AS2, follow_redirects=True)
    assert followed.json()["id"] == alpha
    page = await client.get("/@alpha", headers=HTML)
    assert page.status_code == 200 and "Alpha Collective" in page.text


async def test_unknown_names_are_not_found_whatever_the_shape(
    client: httpx.AsyncClient, alpha: str
) -> None:
    for path in ("/users/nobody", "/orgs/nobody", "/@nobody"):
        response = await client.get(path, headers=AS2, follow_redirects=True)
        assert response.status_code == 404, path


async def test_webfinger_names_the_actor_and_accepts_every_url_shape(
    client: httpx.AsyncClient, alpha: str
) -> None:
    for resource in (
        "acct:alpha@node.test",
        alpha,
        "https://node.test/orgs/alpha",
        "https://node.test/@alpha",
    ):
        found = await client.get("/.well-known/webfinger", params={"resource": resource})
        assert found.status_code == 200, resource
        links = found.json()["links"]
        assert {"rel": "self", "type": "application/activity+json", "href": alpha} in links
