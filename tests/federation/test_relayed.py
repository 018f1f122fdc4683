"""What a subscribed relay passes on, on SQLite and PostgreSQL: its own Announce means "this
exists" (fetched from the origin, never a boost), what it forwards is handled by reference,
a forwarded Delete counts only when the origin says gone, and anything else is ignored;
everyone else's activities take the ordinary effects."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.activitypub.objects import ActivityView
from node.activitypub.vocabulary import PUBLIC
from node.federation import relayed
from node.federation.runtime import Runtime
from node.solidarity.arrivals import CascadeArrivals
from node.storage import objects, reactions
from node.storage import relays as relay_rows
from node.storage.relays import ACCEPTED, MASTODON
from tests.support.actors import FakeActor, RemoteHost
from tests.support.router import HostRouter

RELAY = "https://relay.test/actor"


@pytest.fixture
async def relay(node: Runtime) -> str:
    """An accepted relay at relay.test, as its Accept would have left it."""
    async with node.db.transaction() as session:
        made = await relay_rows.put(
            session,
            inbox_url="https://relay.test/inbox",
            actor_iri=None,
            style=MASTODON,
            follow_iri="https://node.test/activities/follow-relay",
            now=node.clock.now(),
        )
        await relay_rows.answered(session, made.id, RELAY, ACCEPTED, node.clock.now())
    return RELAY


def note(actor: FakeActor, key: str) -> dict[str, Any]:
    iri = f"{actor.iri}/notes/{key}"
    return {"id": iri, "type": "Note", "attributedTo": actor.iri, "content": "hi", "to": [PUBLIC]}


async def dispatch(node: Runtime, relayed_by: str | None = None, **document: Any) -> None:
    view = ActivityView.from_document(document)
    await relayed.dispatcher(CascadeArrivals())(node, view, relayed_by)


async def kept(node: Runtime, iri: str) -> objects.StoredObject | None:
    async with node.db.transaction() as session:
        return await objects.get(session, iri)


def test_by_reference_keeps_only_the_objects_id() -> None:
    activity = ActivityView.from_document(
        {
            "id": "https://remote.test/create/1",
            "type": "Create",
            "actor": "https://remote.test/users/bob",
            "object": {"id": "https://remote.test/notes/1", "content": "trust me"},
        }
    )
    bare = relayed.by_reference(activity)
    assert bare.document["object"] == "https://remote.test/notes/1"
    assert (bare.embedded, bare.object_id, bare.iri) == (None, activity.object_id, activity.iri)
    assert activity.document["object"]["content"] == "trust me"  # the original is untouched


async def test_the_origin_says_gone_only_with_404_or_410(node: Runtime, router: HostRouter) -> None:
    async def answer(request: Request) -> Response:
        return Response(status_code=int(request.path_params["status"]))

    router.add("status.test", Starlette(routes=[Route("/{status}", answer)]))
    found = {
        s: await relayed.gone_at_origin(node, f"https://status.test/{s}") for s in (404, 410, 500)
    }
    assert found == {404: True, 410: True, 500: False}
    assert not await relayed.gone_at_origin(node, "")


async def test_a_relays_announce_is_fetched_from_the_origin_not_counted_as_a_boost(
    node: Runtime, relay: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    remote.objects[f"{bob.iri}/notes/1"] = note(bob, "1")

    await dispatch(
        node,
        id="https://relay.test/announce/1",
        type="Announce",
        actor=relay,
        object=f"{bob.iri}/notes/1",
    )

    stored = await kept(node, f"{bob.iri}/notes/1")
    assert stored is not None and stored.actor_iri == bob.iri
    async with node.db.transaction() as session:
        assert await reactions.for_object(session, stored.iri) == []


async def test_a_forwarded_create_is_taken_from_the_origin(
    node: Runtime, relay: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    remote.objects[f"{bob.iri}/notes/1"] = note(bob, "1")
    forged = note(bob, "1") | {"content": "words bob never wrote"}

    await dispatch(
        node, RELAY, id=f"{bob.iri}/create/1", type="Create", actor=bob.iri, object=forged
    )

    stored = await kept(node, f"{bob.iri}/notes/1")
    assert stored is not None and stored.document["content"] == "hi"


async def test_a_forwarded_delete_waits_for_the_origin_and_other_types_are_ignored(
    node: Runtime, relay: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    iri = f"{bob.iri}/notes/1"
    remote.objects[iri] = note(bob, "1")
    await dispatch(node, RELAY, id=f"{bob.iri}/create/1", type="Create", actor=bob.iri, object=iri)
    delete = {"id": f"{bob.iri}/delete/1", "type": "Delete", "actor": bob.iri, "object": iri}

    await dispatch(node, RELAY, **delete)
    still = await kept(node, iri)
    assert still is not None and still.deleted_at is None  # the origin still serves it

    like = {"id": f"{bob.iri}/like/1", "type": "Like", "actor": bob.iri, "object": iri}
    await dispatch(node, RELAY, **like)
    async with node.db.transaction() as session:
        assert await reactions.for_object(session, iri) == []

    del remote.objects[iri]
    await dispatch(node, RELAY, **delete)
    gone = await kept(node, iri)
    assert gone is not None and gone.deleted_at is not None


async def test_everyone_elses_announces_take_the_ordinary_effects(
    node: Runtime, relay: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    target = "https://node.test/calls/abc"
    await dispatch(node, id=f"{bob.iri}/boost/1", type="Announce", actor=bob.iri, object=target)
    async with node.db.transaction() as session:
        assert [r.actor_iri for r in await reactions.for_object(session, target)] == [bob.iri]
