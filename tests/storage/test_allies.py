"""Ally rows on SQLite and PostgreSQL: one per (organisation, ally), its policy re-set in place,
found by the ally's IRI with the organisations naming it, removed only by their owner."""

from __future__ import annotations

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import allies

BOB = "https://remote.test/users/bob"


async def test_put_adds_then_re_sets_the_policy(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    async with node.db.transaction() as session:
        made, created = await allies.put(session, org.id, BOB, "auto", ["PL"], [], clock.now())
        changed, again = await allies.put(
            session, org.id, BOB, "manual", [], ["labour"], clock.now()
        )
        listed = await allies.of_actor(session, org.id)
    assert created and not again and changed.id == made.id
    assert (made.amplify, made.regions, made.themes) == ("auto", ("PL",), ())
    assert listed == [changed]
    assert (changed.amplify, changed.regions, changed.themes) == ("manual", (), ("labour",))


async def test_an_allys_rows_are_found_with_their_organisations(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    beta = await organisations.create_organisation(node.db, clock, node.urls, "beta")
    async with node.db.transaction() as session:
        await allies.put(session, org.id, BOB, "auto", [], [], clock.now())
        await allies.put(session, beta.id, BOB, "urgent", [], [], clock.now())
        await allies.put(
            session, beta.id, "https://remote.test/users/x", "auto", [], [], clock.now()
        )
        naming = await allies.naming(session, BOB)
        with_orgs = await allies.naming_with_organisations(session, BOB)
    assert [(a.actor_id, a.amplify) for a in naming] == [(org.id, "auto"), (beta.id, "urgent")]
    assert [(a.amplify, o.username) for a, o in with_orgs] == [
        ("auto", "alpha"),
        ("urgent", "beta"),
    ]


async def test_only_the_owner_removes_an_ally(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    beta = await organisations.create_organisation(node.db, clock, node.urls, "beta")
    async with node.db.transaction() as session:
        made, _ = await allies.put(session, org.id, BOB, "auto", [], [], clock.now())
        assert not await allies.remove(session, beta.id, made.id)
        assert await allies.remove(session, org.id, made.id)
        assert not await allies.remove(session, org.id, made.id)
        assert await allies.of_actor(session, org.id) == []
