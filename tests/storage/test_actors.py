"""Local actors on SQLite and PostgreSQL: organisations and the instance actor, names taken
once, profile changes (and key rotation, and the hop cap) in place, deletion kept as a mark."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.clock import FrozenClock
from node.errors import InvalidInput, NotFound
from node.federation.runtime import Runtime
from node.storage import actors
from node.storage.actors import APPLICATION, DEFAULT_MAX_HOPS, ORGANIZATION, NewActor


def new(name: str, kind: str = ORGANIZATION) -> NewActor:
    return NewActor(
        username=name,
        kind=kind,
        display_name=name.title(),
        summary="",
        private_key_pem="private",
        public_key_pem="public",
        fields=(("Site", "https://example.org"),),
    )


async def test_organisations_are_inserted_once_and_found(node: Runtime, clock: FrozenClock) -> None:
    async with node.db.transaction() as session:
        made = await actors.insert(session, new("alpha"), clock.now())
        assert await actors.by_username(session, "alpha") == made
        assert await actors.by_id(session, made.id) == made
    assert (made.kind, made.max_hops, made.fields) == (
        ORGANIZATION,
        DEFAULT_MAX_HOPS,
        (("Site", "https://example.org"),),
    )
    assert made.discoverable and made.indexable and not made.is_deleted
    with pytest.raises(InvalidInput, match="the name 'alpha' is already taken"):
        async with node.db.transaction() as session:
            await actors.insert(session, new("alpha"), clock.now())
    async with node.db.transaction() as session:
        with pytest.raises(NotFound, match="no organisation named 'beta'"):
            await actors.by_username(session, "beta")
        with pytest.raises(NotFound, match="no local actor 999"):
            await actors.by_id(session, 999)


async def test_the_instance_actor_is_not_an_organisation(node: Runtime) -> None:
    async with node.db.transaction() as session:
        instance = await actors.instance_actor(session)
        assert await actors.has_instance_actor(session)
        assert instance.kind == APPLICATION and instance.username == "node.test"
        assert await actors.list_organisations(session) == []
        assert await actors.count_organisations(session) == 0
        with pytest.raises(NotFound):
            await actors.by_username(session, "node.test")
        assert (await actors.by_username(session, "node.test", APPLICATION)).id == instance.id


async def test_profiles_change_in_place_and_deleted_ones_are_marked(
    node: Runtime, clock: FrozenClock
) -> None:
    async with node.db.transaction() as session:
        for name in ("beta", "alpha"):
            await actors.insert(session, new(name), clock.now())
    clock.advance(timedelta(minutes=1))
    async with node.db.transaction() as session:
        changed = await actors.update_profile(
            session,
            "alpha",
            clock.now(),
            summary="New",
            manually_approves_followers=True,
            keys=("private 2", "public 2"),
            max_hops=3,
        )
        assert [a.username for a in await actors.list_organisations(session)] == ["alpha", "beta"]
        await actors.mark_deleted(session, "beta", clock.now())
    assert (changed.display_name, changed.summary, changed.max_hops) == ("Alpha", "New", 3)
    assert changed.manually_approves_followers and changed.public_key_pem == "public 2"
    assert changed.updated_at == clock.now() != changed.created_at
    async with node.db.transaction() as session:
        assert [a.username for a in await actors.list_organisations(session)] == ["alpha"]
        assert await actors.count_organisations(session) == 1
        assert (await actors.by_username(session, "beta")).is_deleted  # found, marked
        with pytest.raises(NotFound):
            await actors.update_profile(session, "beta", clock.now(), summary="x")
        with pytest.raises(NotFound):
            await actors.mark_deleted(session, "nobody", clock.now())
