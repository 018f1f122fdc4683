"""The effects of received activities, on SQLite and PostgreSQL, handed to the dispatch table
as the inbox queue hands them (with the network's rules, solidarity.arrivals, behind it):
what each type stores, the origin rules it enforces, and what it leaves alone.

Senders and their objects live on remote.test (a RemoteHost serving real actors and objects),
so every fetch an effect makes is a real request through the test's router.
"""

from __future__ import annotations

from typing import Any

import pytest

from node.activitypub.objects import ActivityView
from node.activitypub.vocabulary import PUBLIC
from node.errors import FetchError, OriginMismatch
from node.federation import inbox_effects
from node.federation.runtime import Runtime
from node.publication import Kind, Visibility
from node.solidarity import allies, organisations
from node.solidarity.arrivals import CascadeArrivals
from node.storage import amplifications, follows, objects, reactions
from node.storage import remote_actors as actor_rows
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject
from tests.support.actors import FakeActor, RemoteHost
from tests.support.content import kept_object
from tests.support.router import HostRouter
from tests.support.who import TESTER

ALPHA = "https://node.test/users/alpha"


@pytest.fixture
def bob(remote: RemoteHost) -> FakeActor:
    return remote.actor("bob")


async def handle(node: Runtime, **document: Any) -> None:
    await inbox_effects.handle(node, ActivityView.from_document(document), CascadeArrivals())


def call(actor: FakeActor, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{actor.iri}/calls/{key}",
        "type": "Note",
        "kind": "call",
        "attributedTo": actor.iri,
        "title": "Strike fund",
        "content": "<p>Give.</p><script>alert(1)</script>",
        "urgency": "high",
        "deadline": "2026-12-01T18:00:00Z",
        "maxHops": 2,
        "themes": ["labour"],
        "to": [PUBLIC],
        "cc": [f"{actor.iri}/followers"],
        "published": "2026-11-21T11:00:00Z",
    } | extra


async def create(node: Runtime, actor: FakeActor, obj: dict[str, Any] | str, key: str) -> None:
    await handle(node, id=f"{actor.iri}/create/{key}", type="Create", actor=actor.iri, object=obj)


async def stored(node: Runtime, iri: str) -> StoredObject | None:
    async with node.db.transaction() as session:
        return await objects.get(session, iri)


async def test_a_created_call_is_stored_with_its_fields_once(node: Runtime, bob: FakeActor) -> None:
    await create(node, bob, call(bob, "1"), "1")
    await create(node, bob, call(bob, "1", title="Changed by a second Create"), "2")

    kept = await stored(node, f"{bob.iri}/calls/1")
    assert kept is not None and kept.actor_iri == bob.iri and kept.local_actor_id is None
    assert (kept.kind, kept.visibility, kept.fields.title) == (
        Kind.CALL,
        Visibility.PUBLIC,
        "Strike fund",
    )
    assert (kept.fields.max_hops, kept.fields.themes) == (2, ("labour",))
    assert "<script>" not in kept.document["content"]  # sanitised on the way in
    assert kept.published.isoformat() == "2026-11-21T11:00:00+00:00"


async def test_a_create_for_someone_else_or_from_elsewhere_is_refused(
    node: Runtime, bob: FakeActor, remote: RemoteHost
) -> None:
    carol = remote.actor("carol")
    with pytest.raises(OriginMismatch, match=f"{bob.iri} cannot create"):
        await create(node, bob, call(carol, "1"), "1")
    # an embedded object from another origin is fetched from there, never trusted as sent
    elsewhere = "https://other.test/calls/1"
    with pytest.raises(FetchError, match=elsewhere):
        await create(node, bob, call(bob, "x", id=elsewhere), "2")
    assert await stored(node, f"{carol.iri}/calls/1") is None
    assert await stored(node, elsewhere) is None


async def test_a_create_by_reference_is_fetched_and_non_content_is_left_alone(
    node: Runtime, bob: FakeActor, remote: RemoteHost
) -> None:
    remote.objects[f"{bob.iri}/calls/2"] = call(bob, "2")
    await create(node, bob, f"{bob.iri}/calls/2", "1")
    await create(
        node, bob, {"id": f"{bob.iri}/q/1", "type": "Tombstone", "attributedTo": bob.iri}, "2"
    )

    assert (await stored(node, f"{bob.iri}/calls/2")) is not None
    assert await stored(node, f"{bob.iri}/q/1") is None


async def test_updates_apply_to_the_senders_own_objects_and_actor(
    node: Runtime, bob: FakeActor, remote: RemoteHost, router: HostRouter
) -> None:
    mallory = remote.actor("mallory")
    await create(node, bob, call(bob, "1"), "1")
    changed = call(bob, "1", title="Strike fund, week two")
    update = {"id": f"{bob.iri}/update/1", "type": "Update", "actor": bob.iri, "object": changed}

    await handle(node, **update)
    kept = await stored(node, f"{bob.iri}/calls/1")
    assert kept is not None and kept.fields.title == "Strike fund, week two"
    assert kept.updated_at == node.clock.now()

    with pytest.raises(OriginMismatch, match=f"{mallory.iri} cannot update {changed['id']}"):
        await handle(node, **(update | {"id": f"{mallory.iri}/update/1", "actor": mallory.iri}))
    with pytest.raises(OriginMismatch, match="cannot update the actor"):
        await handle(
            node,
            id=f"{mallory.iri}/update/2",
            type="Update",
            actor=mallory.iri,
            object=bob.document(),
        )
    unknown = call(bob, "never-created")
    await handle(node, **(update | {"id": f"{bob.iri}/update/2", "object": unknown}))
    assert await stored(node, unknown["id"]) is None  # only objects already known change

    fetches = sum(str(r.url) == bob.iri for r in router.requests)
    await handle(
        node, id=f"{bob.iri}/update/3", type="Update", actor=bob.iri, object=bob.document()
    )
    assert sum(str(r.url) == bob.iri for r in router.requests) == fetches + 1  # refetched


async def test_a_delete_tombstones_the_authors_object_and_withdraws_pending_amplifications(
    node: Runtime, alpha: str, bob: FakeActor, remote: RemoteHost
) -> None:
    org = await organisations.get(node.db, "alpha")
    await allies.add(node, org, bob.iri, allies.Policy("manual"), who=TESTER)
    await create(node, bob, call(bob, "1"), "1")
    iri = f"{bob.iri}/calls/1"
    mallory = remote.actor("mallory")

    with pytest.raises(OriginMismatch, match=f"cannot delete {iri}"):
        await handle(node, id=f"{mallory.iri}/d/1", type="Delete", actor=mallory.iri, object=iri)
    await handle(node, id=f"{bob.iri}/d/1", type="Delete", actor=bob.iri, object=iri)

    gone = await stored(node, iri)
    assert gone is not None and gone.deleted_at == node.clock.now()
    assert gone.document["type"] == "Tombstone"
    async with node.db.transaction() as session:
        (row,) = await amplifications.of_object(session, iri)
    assert row.state == amplifications.WITHDRAWN


async def test_an_actor_deleting_itself_is_gone_with_its_follows(
    node: Runtime, alpha: str, bob: FakeActor
) -> None:
    await handle(node, id=f"{bob.iri}/f/1", type="Follow", actor=bob.iri, object=ALPHA)
    async with node.db.transaction() as session:
        assert [f.state for f in await follows.list_by_follower(session, bob.iri)] == [ACCEPTED]

    await handle(node, id=f"{bob.iri}#delete", type="Delete", actor=bob.iri, object=bob.iri)

    async with node.db.transaction() as session:
        assert await follows.list_by_follower(session, bob.iri) == []
        found = await actor_rows.by_iri(session, bob.iri)
    assert found is not None and found.gone


async def test_likes_and_boosts_are_kept_once_and_undone_by_their_sender_only(
    node: Runtime, bob: FakeActor, remote: RemoteHost
) -> None:
    mallory = remote.actor("mallory")
    target = "https://node.test/calls/abc"
    await kept_object(node, target, ALPHA)  # reactions to what the node does not keep: dropped
    like = {"id": f"{bob.iri}/likes/1", "type": "Like", "actor": bob.iri, "object": target}
    await handle(node, **like)
    await handle(node, **like)
    await handle(node, id=f"{bob.iri}/boosts/1", type="Announce", actor=bob.iri, object=target)
    async with node.db.transaction() as session:
        assert [r.type for r in await reactions.for_object(session, target)] == ["Like", "Announce"]

    undo = {"type": "Undo", "object": like}
    with pytest.raises(OriginMismatch, match="cannot undo"):
        await handle(node, **undo, id=f"{mallory.iri}/undo/1", actor=mallory.iri)
    await handle(node, **undo, id=f"{bob.iri}/undo/1", actor=bob.iri)
    undo_boost = {"type": "Announce", "actor": bob.iri, "object": target}  # no id: Misskey's way
    await handle(node, id=f"{bob.iri}/undo/2", type="Undo", actor=bob.iri, object=undo_boost)
    async with node.db.transaction() as session:
        assert await reactions.for_object(session, target) == []


async def test_a_boost_of_an_unknown_object_is_fetched_only_from_an_ally(
    node: Runtime, alpha: str, bob: FakeActor, remote: RemoteHost
) -> None:
    carol = remote.actor("carol")
    remote.objects[f"{carol.iri}/calls/1"] = call(carol, "1")
    boost = {"type": "Announce", "object": f"{carol.iri}/calls/1"}

    await handle(node, **boost, id=f"{bob.iri}/boosts/1", actor=bob.iri)
    assert await stored(node, f"{carol.iri}/calls/1") is None

    org = await organisations.get(node.db, "alpha")
    await allies.add(node, org, bob.iri, allies.Policy("auto"), who=TESTER)
    await handle(node, **boost, id=f"{bob.iri}/boosts/2", actor=bob.iri, hop=1)

    fetched = await stored(node, f"{carol.iri}/calls/1")
    assert fetched is not None and fetched.actor_iri == carol.iri
    async with node.db.transaction() as session:
        (row,) = await amplifications.of_object(session, fetched.iri)
    assert (row.state, row.hop, row.through_iri) == (amplifications.SENT, 2, bob.iri)


async def test_unknown_types_change_nothing(node: Runtime, bob: FakeActor) -> None:
    await handle(node, id=f"{bob.iri}/x/1", type="EmojiReact", actor=bob.iri, object=ALPHA)
    await handle(node, id=f"{bob.iri}/x/2", type="Move", actor=bob.iri, object=bob.iri)
    async with node.db.transaction() as session:
        assert await reactions.for_object(session, ALPHA) == []
        assert await objects.count_received(session) == 0
