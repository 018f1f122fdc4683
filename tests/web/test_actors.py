"""Actors and collections through the real ASGI app, with AS2 content negotiation."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from node.federation.runtime import Runtime
from node.storage import actors
from node.storage.tables import FollowRow

AS2_ACCEPTS = [
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "application/ld+json",
    "application/activity+json, application/ld+json",
    "text/html;q=0.5, application/activity+json",
]


@pytest.mark.parametrize("accept", AS2_ACCEPTS)
async def test_actor_is_served_as_activitystreams(
    client: httpx.AsyncClient, alpha: str, accept: str
) -> None:
    response = await client.get("/users/alpha", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/activity+json"
    assert "Accept" in response.headers["vary"]
    actor = response.json()
    assert actor["id"] == alpha
    assert actor["type"] == "Organization"
    assert "https://www.w3.org/ns/activitystreams" in actor["@context"]
    assert "https://w3id.org/security/v1" in actor["@context"]


async def test_actor_has_every_field_mastodon_reads(client: httpx.AsyncClient, alpha: str) -> None:
    actor = (await client.get(alpha, headers={"Accept": "application/activity+json"})).json()
    assert actor["preferredUsername"] == "alpha"
    assert actor["name"] == "Alpha Collective"
    assert actor["summary"] == "<p>We organise.</p><p>Together.</p>"
    for field, path in [
        ("inbox", "/inbox"),
        ("outbox", "/outbox"),
        ("followers", "/followers"),
        ("following", "/following"),
        ("featured", "/featured"),
    ]:
        assert actor[field] == alpha + path
    assert actor["url"] == "https://node.test/@alpha"
    assert actor["endpoints"] == {"sharedInbox": "https://node.test/inbox"}
    key = actor["publicKey"]
    assert key["id"] == alpha + "#main-key" and key["owner"] == alpha
    public_key = load_pem_public_key(key["publicKeyPem"].encode())
    assert public_key.key_size == 2048  # type: ignore[union-attr]
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["discoverable"] is True and actor["indexable"] is True
    assert actor["icon"]["type"] == "Image" and actor["icon"]["url"].endswith(".png")
    assert actor["published"] == "2026-11-21T12:00:00Z"
    assert actor["webfinger"] == "alpha@node.test"
    assert isinstance(actor["attachment"], list)
    icon = await client.get(actor["icon"]["url"])
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/png"


async def test_browsers_get_the_profile_page(client: httpx.AsyncClient, alpha: str) -> None:
    for path in ("/users/alpha", "/@alpha"):
        response = await client.get(path, headers={"Accept": "text/html,application/xhtml+xml"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "Alpha Collective" in response.text
        assert (
            f'<link rel="alternate" type="application/activity+json" href="{alpha}">'
            in response.text
        )
        assert "@alpha@node.test" in response.text
    plain = await client.get("/users/alpha")
    assert plain.headers["content-type"].startswith("text/html")


async def test_unknown_and_deleted_actors(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    missing = await client.get("/users/nobody", headers={"Accept": "application/activity+json"})
    assert missing.status_code == 404
    assert missing.json()["error"]
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    gone = await client.get(alpha, headers={"Accept": "application/activity+json"})
    assert gone.status_code == 410
    assert gone.json()["type"] == "Tombstone" and gone.json()["id"] == alpha
    page = await client.get("/@alpha", headers={"Accept": "text/html"})
    assert page.status_code == 410


async def test_instance_actor_is_fetchable_unsigned(
    client: httpx.AsyncClient, node: Runtime
) -> None:
    response = await client.get("/actor", headers={"Accept": "application/activity+json"})
    assert response.status_code == 200
    actor = response.json()
    assert actor["type"] == "Application"
    assert actor["id"] == "https://node.test/actor"
    assert actor["preferredUsername"] == "node.test"
    assert actor["publicKey"]["id"] == "https://node.test/actor#main-key"
    assert actor["publicKey"]["owner"] == actor["id"]
    assert actor["inbox"] and actor["outbox"]
    outbox = (await client.get(actor["outbox"])).json()
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 0


async def test_followers_collection_is_paged_with_correct_totals(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    now = node.clock.now()
    async with node.db.transaction() as session:
        for i in range(45):
            session.add(
                FollowRow(
                    follower_iri=f"https://remote{i}.example/users/u",
                    target_iri=alpha,
                    state="accepted",
                    created_at=now + timedelta(seconds=i),
                    updated_at=now,
                )
            )
        session.add(
            FollowRow(
                follower_iri="https://pending.example/users/p",
                target_iri=alpha,
                state="pending",
                created_at=now,
                updated_at=now,
            )
        )
        session.add(
            FollowRow(
                follower_iri=alpha,
                target_iri="https://other.example/users/o",
                state="accepted",
                created_at=now,
                updated_at=now,
            )
        )
    followers = (await client.get(alpha + "/followers")).json()
    assert followers["type"] == "OrderedCollection"
    assert followers["totalItems"] == 45
    assert followers["first"] == alpha + "/followers?page=1"
    seen: list[str] = []
    url = followers["first"]
    while url:
        page = (await client.get(url)).json()
        assert page["type"] == "OrderedCollectionPage"
        assert page["partOf"] == alpha + "/followers"
        seen += page["orderedItems"]
        url = page.get("next")
    assert len(seen) == 45 == len(set(seen))
    assert "https://pending.example/users/p" not in seen
    following = (await client.get(alpha + "/following")).json()
    assert following["totalItems"] == 1
    first = (await client.get(following["first"])).json()
    assert first["orderedItems"] == ["https://other.example/users/o"]


async def test_empty_collections_and_bad_pages(client: httpx.AsyncClient, alpha: str) -> None:
    for name in ("outbox", "featured", "followers", "following"):
        collection = (await client.get(f"{alpha}/{name}")).json()
        assert collection["totalItems"] == 0
        page = (await client.get(collection["first"])).json()
        assert page["orderedItems"] == []
        assert "next" not in page
    assert (await client.get(alpha + "/outbox?page=abc")).status_code == 400
    assert (await client.get(alpha + "/outbox?page=0")).status_code == 400
    assert (await client.get(alpha + "/likes")).status_code == 404
