"""Cascade entries on SQLite and PostgreSQL: each Create or Announce of a call kept once per
activity id, in the order seen, removable, with each actor's reach set on all its entries."""

from __future__ import annotations

from datetime import timedelta

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.storage import cascade

CALL = "https://remote.test/calls/1"
AUTHOR = "https://remote.test/users/author"
ALPHA = "https://node.test/users/alpha"


async def test_entries_are_kept_once_in_the_order_seen(node: Runtime, clock: FrozenClock) -> None:
    create, announce = f"{CALL}/activity", "https://node.test/activities/a1"
    async with node.db.transaction() as session:
        later = clock.now() + timedelta(seconds=5)
        assert await cascade.add(
            session,
            activity_iri=announce,
            object_iri=CALL,
            type="Announce",
            actor_iri=ALPHA,
            via_iri=create,
            hop=1,
            at=later,
        )
        assert await cascade.add(
            session,
            activity_iri=create,
            object_iri=CALL,
            type="Create",
            actor_iri=AUTHOR,
            via_iri=None,
            hop=0,
            at=clock.now(),
        )
        assert not await cascade.add(
            session,
            activity_iri=create,
            object_iri=CALL,
            type="Create",
            actor_iri=AUTHOR,
            via_iri=None,
            hop=0,
            at=later,
        )
        entries = await cascade.of_object(session, CALL)
        assert await cascade.of_object(session, "https://remote.test/calls/2") == []
    assert [(e.activity_iri, e.type, e.via_iri, e.hop) for e in entries] == [
        (create, "Create", None, 0),
        (announce, "Announce", create, 1),
    ]
    assert entries[0].at == clock.now() and entries[0].reach is None


async def test_reach_is_set_on_every_entry_of_an_actor_and_entries_can_go(
    node: Runtime, clock: FrozenClock
) -> None:
    async with node.db.transaction() as session:
        for n in range(2):
            await cascade.add(
                session,
                activity_iri=f"https://node.test/activities/{n}",
                object_iri=f"https://remote.test/calls/{n}",
                type="Announce",
                actor_iri=ALPHA,
                via_iri=None,
                hop=None,
                at=clock.now(),
            )
        await cascade.set_reach(session, ALPHA, 42, clock.now())
        await cascade.remove(session, "https://node.test/activities/0")
    async with node.db.transaction() as session:
        assert await cascade.of_object(session, "https://remote.test/calls/0") == []
        (kept,) = await cascade.of_object(session, "https://remote.test/calls/1")
    assert (kept.reach, kept.reach_at, kept.hop) == (42, clock.now(), None)
