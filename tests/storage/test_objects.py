"""Content objects on SQLite and PostgreSQL: stored by IRI with their fields and labels,
replaced in place by an Update, deleted to a Tombstone, pinned, and found by key, by the end
of a remote id, as replies, or as what an organisation lists on its profile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.publication import Kind, Urgency, Visibility
from node.solidarity import organisations
from node.storage import objects
from node.storage.objects import StoredObject
from tests.support.content import content

AUTHOR = "https://remote.test/users/author"


async def put(node: Runtime, iri: str, **given: Any) -> StoredObject:
    local = {k: given.pop(k) for k in ("local_actor_id", "key", "source") if k in given}
    async with node.db.transaction() as session:
        return await objects.put(
            session,
            iri=iri,
            actor_iri=given.pop("actor_iri", AUTHOR),
            content=content(**given),
            document={"id": iri, "type": "Note"},
            published=node.clock.now(),
            now=node.clock.now(),
            **local,
        )


async def get(node: Runtime, iri: str) -> StoredObject | None:
    async with node.db.transaction() as session:
        return await objects.get(session, iri)


async def test_an_object_keeps_its_fields_and_labels(node: Runtime) -> None:
    iri = "https://remote.test/calls/1"
    made = await put(
        node,
        iri,
        title="Fill the court",
        urgency="high",
        deadline=node.clock.now() + timedelta(days=1),
        max_hops=3,
        regions=["PL", " pl ", "Warsaw"],
        themes=["#Labour", "housing"],
        actions=["Come"],
        body_text="Come to court.",
    )
    found = await get(node, iri)
    assert found is not None and (found.id, found.iri, found.actor_iri) == (made.id, iri, AUTHOR)
    assert found.kind is Kind.CALL and found.visibility is Visibility.PUBLIC
    fields = found.fields
    assert (fields.title, fields.urgency, fields.max_hops) == ("Fill the court", Urgency.HIGH, 3)
    assert fields.regions == ("PL", "Warsaw")  # one label per folded value, as first written
    assert fields.themes == ("#Labour", "housing")
    assert fields.actions == ("Come",) and found.content.body_text == "Come to court."
    assert await get(node, "https://remote.test/calls/2") is None


async def test_an_update_replaces_what_it_says_in_place(node: Runtime, clock: FrozenClock) -> None:
    iri = "https://remote.test/calls/1"
    made = await put(node, iri, title="Old", regions=["PL"])
    clock.advance(timedelta(hours=1))
    changed = await put(node, iri, title="New", regions=["DE"], visibility="unlisted")
    assert (changed.id, changed.published) == (made.id, made.published)
    assert changed.updated_at == clock.now() and made.updated_at is None
    found = await get(node, iri)
    assert found is not None
    assert (found.fields.title, found.fields.regions, found.visibility) == (
        "New",
        ("DE",),
        Visibility.UNLISTED,
    )


async def test_a_tombstone_forgets_what_the_object_said(node: Runtime, clock: FrozenClock) -> None:
    iri = "https://remote.test/calls/1"
    await put(node, iri, regions=["PL"], body_text="secret plans")
    async with node.db.transaction() as session:
        await objects.set_pinned(session, iri, clock.now())
        await objects.tombstone(session, iri, {"id": iri, "type": "Tombstone"}, clock.now())
        await objects.tombstone(session, "https://remote.test/unknown", {}, clock.now())
    gone = await get(node, iri)
    assert gone is not None and gone.deleted_at == clock.now()
    assert gone.document["type"] == "Tombstone" and gone.pinned_at is None
    assert (gone.content.body_text, gone.fields.regions, gone.source) == ("", (), None)


async def test_local_objects_by_key_and_remote_ones_by_the_end_of_their_id(
    node: Runtime, alpha: str
) -> None:
    org = await organisations.get(node.db, "alpha")
    local = await put(
        node,
        "https://node.test/calls/k1",
        actor_iri=alpha,
        local_actor_id=org.id,
        key="k1",
        source={"content": "md"},
    )
    remote = await put(node, "https://remote.test/notes/r9")
    async with node.db.transaction() as session:
        assert await objects.by_key(session, "k1") == local
        assert await objects.by_key(session, "r9") is None
        assert await objects.by_suffix(session, "r9") == remote
        assert await objects.by_suffix(session, "k1") is None  # local ones go by key
        assert await objects.count_received(session) == 1
    assert local.source == {"content": "md"}


async def test_replies_are_listed_by_visibility_and_deleted_ones_left_out(
    node: Runtime, clock: FrozenClock
) -> None:
    call = "https://node.test/calls/k1"
    for n, visibility in enumerate(("public", "unlisted", "followers", "direct", "public")):
        await put(node, f"https://remote.test/notes/{n}", in_reply_to=call, visibility=visibility)
        clock.advance(timedelta(seconds=1))
    async with node.db.transaction() as session:
        await objects.tombstone(session, "https://remote.test/notes/4", {}, clock.now())
        listed = await objects.replies_to(session, call)
        every = await objects.replies_to(session, call, visibilities=tuple(Visibility))
    assert [r.iri[-1] for r in listed] == ["0", "1"]
    assert [r.iri[-1] for r in every] == ["0", "1", "2", "3"]


async def test_a_profile_lists_listed_publications_pinned_first(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    cases = [
        ("old", "strategy", "public"),
        ("pinned", "call", "unlisted"),
        ("new", "call", "public"),
        ("private", "call", "followers"),
        ("reply", None, "public"),
    ]
    for key, kind, visibility in cases:
        await put(
            node,
            f"https://node.test/x/{key}",
            actor_iri=alpha,
            local_actor_id=org.id,
            key=key,
            kind=kind,
            visibility=visibility,
        )
        clock.advance(timedelta(minutes=1))
    async with node.db.transaction() as session:
        await objects.set_pinned(session, "https://node.test/x/pinned", clock.now())
        listed = await objects.published_by(session, org.id)
        assert [o.key for o in await objects.published_by(session, org.id, limit=1)] == ["pinned"]
    assert [o.key for o in listed] == ["pinned", "new", "old"]
