"""Serving publications, on SQLite and PostgreSQL: found by path and key (a Tombstone once
withdrawn), shown to whoever may read them (non-public ones only to signed requests from their
audience), with today's counts of replies, likes and shares, and those collections."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from node.activitypub.keys import load_private_key
from node.activitypub.screening import Incoming
from node.activitypub.signatures import sign_request
from node.errors import NotFound, Unauthorized
from node.federation import serving
from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import organisations, publishing, validation
from node.storage import follows, objects, reactions
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject
from tests.support.actors import FakeActor, RemoteHost
from tests.support.content import content

STRATEGY = {"title": "Observers", "content": "Watch."}


async def publish(node: Runtime, **changes: str) -> StoredObject:
    org = await organisations.get(node.db, "alpha")
    return await publishing.publish(node, org, validation.strategy(STRATEGY | changes))


def unsigned(url: str) -> Incoming:
    return Incoming("GET", urlsplit(url).path, {"accept": "application/activity+json"}, b"")


def signed(node: Runtime, actor: FakeActor, url: str) -> Incoming:
    headers = {"accept": "application/activity+json"}
    key = load_private_key(actor.keys.private_pem)
    signature = sign_request("GET", url, headers, None, actor.key_id, key, node.clock.now())
    return Incoming("GET", urlsplit(url).path, headers | signature, b"")


async def test_publications_are_found_by_path_and_key(node: Runtime, alpha: str) -> None:
    stored = await publish(node)
    assert stored.key is not None
    found = await serving.find(node, "strategies", stored.key)
    assert found.iri == stored.iri
    with pytest.raises(NotFound, match=f"no such call here: {stored.key}"):
        await serving.find(node, "calls", stored.key)
    with pytest.raises(NotFound, match="nothing is published under /orgs/"):
        await serving.find(node, "orgs", stored.key)
    with pytest.raises(NotFound):
        await serving.find(node, "strategies", "unknown")
    org = await organisations.get(node.db, "alpha")
    await publishing.withdraw(node, org, Kind.STRATEGY, stored.key)
    with pytest.raises(serving.Withdrawn) as withdrawn:
        await serving.find(node, "strategies", stored.key)
    assert withdrawn.value.tombstone["type"] == "Tombstone"


async def test_received_objects_are_not_served_here(node: Runtime) -> None:
    async with node.db.transaction() as session:
        await objects.put(
            session,
            iri="https://remote.test/calls/k",
            actor_iri="https://remote.test/users/bob",
            content=content(),
            document={"id": "https://remote.test/calls/k"},
            published=node.clock.now(),
            now=node.clock.now(),
            key="k",
        )
    with pytest.raises(NotFound):
        await serving.find(node, "calls", "k")


async def test_non_public_publications_go_only_to_their_signed_audience(
    node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob, carol = remote.actor("bob"), remote.actor("carol")
    async with node.db.transaction() as session:
        await follows.put(session, bob.iri, alpha, ACCEPTED, None, node.clock.now())
    public = await publish(node)
    private = await publish(node, visibility="followers")

    assert await serving.visible(node, public, unsigned(public.iri)) == public
    with pytest.raises(Unauthorized, match="sign the request"):
        await serving.visible(node, private, unsigned(private.iri))
    assert await serving.visible(node, private, signed(node, bob, private.iri)) == private
    with pytest.raises(NotFound):
        await serving.visible(node, private, signed(node, carol, private.iri))
    by_carol = signed(node, carol, private.iri)
    as_bob = by_carol.headers["Signature"].replace(carol.key_id, bob.key_id)
    forged = Incoming(
        "GET", by_carol.path_and_query, {**by_carol.headers, "Signature": as_bob}, b""
    )
    with pytest.raises(Unauthorized):  # a signature that does not verify counts as none
        await serving.visible(node, private, forged)


async def test_documents_and_collections_carry_todays_counts(node: Runtime, alpha: str) -> None:
    stored = await publish(node)
    reply = "https://remote.test/notes/reply"
    async with node.db.transaction() as session:
        await objects.put(
            session,
            iri=reply,
            actor_iri="https://remote.test/users/bob",
            content=content(kind=None, in_reply_to=stored.iri),
            document={"id": reply},
            published=node.clock.now(),
            now=node.clock.now(),
        )
        for n, kind in enumerate(("Like", "Like", "Announce")):
            await reactions.add(
                session,
                activity_iri=f"https://remote.test/r/{n}",
                type=kind,
                actor_iri=f"https://remote.test/users/u{n}",
                object_iri=stored.iri,
                document={},
                now=node.clock.now(),
            )

    served = await serving.document(node, stored)
    assert [served[name]["totalItems"] for name in ("replies", "likes", "shares")] == [1, 2, 1]
    assert stored.document["likes"]["totalItems"] == 0  # the stored document is left as it was
    replies = await serving.collection(node, stored, "replies", page=False)
    assert (replies["totalItems"], replies["first"]["items"]) == (1, [reply])
    page = await serving.collection(node, stored, "replies", page=True)
    assert (page["type"], page["partOf"]) == ("CollectionPage", f"{stored.iri}/replies")
    likes = await serving.collection(node, stored, "likes", page=False)
    assert (likes["id"], likes["totalItems"]) == (f"{stored.iri}/likes", 2)
    assert (await serving.collection(node, stored, "shares", page=True))["totalItems"] == 1
