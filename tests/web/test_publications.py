"""Strategies and calls at their own URLs, through the real ASGI app on SQLite and PostgreSQL:
AS2 with today's counts for ActivityPub clients, the page for people, non-public ones only to
their signed audience (never cached for others), a Tombstone or a 410 page once withdrawn, and
the replies, likes and shares collections."""

from __future__ import annotations

from typing import Any

import httpx

from node.activitypub.keys import load_private_key
from node.activitypub.signatures import sign_request
from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import organisations, publishing, validation
from node.storage import follows
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject
from tests.support.actors import FakeActor, RemoteHost

AS2 = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}
CALL = {"title": "Fill the court", "content": "Come *early*.", "deadline": "2026-12-01T18:00Z"}


async def publish(node: Runtime, **changes: Any) -> StoredObject:
    org = await organisations.get(node.db, "alpha")
    return await publishing.publish(node, org, validation.call(CALL | changes, node.clock.now()))


def signed(node: Runtime, actor: FakeActor, url: str) -> dict[str, str]:
    key = load_private_key(actor.keys.private_pem)
    return AS2 | sign_request("GET", url, AS2, None, actor.key_id, key, node.clock.now())


async def test_a_public_call_for_clients_and_for_people(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    call = await publish(node)

    document = await client.get(call.iri, headers=AS2)
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/activity+json"
    assert document.json()["id"] == call.iri and document.json()["replies"]["totalItems"] == 0
    assert "private" not in document.headers.get("cache-control", "")
    page = await client.get(call.iri, headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Fill the court" in page.text and "<em>early</em>" in page.text
    assert "Alpha Collective" in page.text


async def test_a_followers_only_call_goes_only_to_a_signed_follower(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob, carol = remote.actor("bob"), remote.actor("carol")
    async with node.db.transaction() as session:
        await follows.put(session, bob.iri, alpha, ACCEPTED, None, node.clock.now())
    call = await publish(node, visibility="followers")

    assert (await client.get(call.iri, headers=AS2)).status_code == 401
    assert (await client.get(call.iri, headers=signed(node, carol, call.iri))).status_code == 404
    assert (await client.get(call.iri, headers=HTML)).status_code == 404
    served = await client.get(call.iri, headers=signed(node, bob, call.iri))
    assert served.status_code == 200 and served.json()["id"] == call.iri
    assert served.headers["cache-control"] == "private"
    assert served.headers["vary"] == "Accept, Signature"
    replies = f"{call.iri}/replies"
    assert (await client.get(replies, headers=AS2)).status_code == 401
    assert (await client.get(replies, headers=signed(node, bob, replies))).status_code == 200


async def test_a_withdrawn_call_is_a_tombstone_or_a_gone_page(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    call = await publish(node)
    org = await organisations.get(node.db, "alpha")
    await publishing.withdraw(node, org, Kind.CALL, call.key or "")

    gone = await client.get(call.iri, headers=AS2)
    assert gone.status_code == 410 and gone.json()["type"] == "Tombstone"
    page = await client.get(call.iri, headers=HTML)
    assert page.status_code == 410 and "This publication was withdrawn." in page.text
    assert (await client.get(f"{call.iri}/likes", headers=AS2)).status_code == 410


async def test_collections_and_what_is_not_published_here(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    call = await publish(node)
    replies = await client.get(f"{call.iri}/replies", headers=AS2)
    assert replies.json()["type"] == "Collection" and replies.json()["first"]["items"] == []
    page = await client.get(f"{call.iri}/replies?page=1", headers=AS2)
    assert page.json()["type"] == "CollectionPage"
    for which in ("likes", "shares"):
        counted = await client.get(f"{call.iri}/{which}", headers=AS2)
        assert counted.json()["totalItems"] == 0
    assert (await client.get(f"{call.iri}/followers", headers=AS2)).status_code == 404
    strategy_path = call.iri.replace("/calls/", "/strategies/")
    assert (await client.get(strategy_path, headers=AS2)).status_code == 404
    assert (await client.get("/notes/unknown", headers=AS2)).status_code == 404
