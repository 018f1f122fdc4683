"""Likes and Announces received, on SQLite and PostgreSQL: one row per activity id, found by id
or by (type, actor, object), listed per object, removed by an Undo."""

from __future__ import annotations

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.storage import reactions

CALL = "https://node.test/calls/abc"
BOB = "https://remote.test/users/bob"


async def react(node: Runtime, iri: str, kind: str, actor: str = BOB) -> bool:
    async with node.db.transaction() as session:
        return await reactions.add(
            session,
            activity_iri=iri,
            type=kind,
            actor_iri=actor,
            object_iri=CALL,
            document={"id": iri, "type": kind},
            now=node.clock.now(),
        )


async def test_reactions_are_kept_once_and_listed(node: Runtime, clock: FrozenClock) -> None:
    assert await react(node, f"{BOB}/likes/1", "Like")
    assert not await react(node, f"{BOB}/likes/1", "Like")
    assert await react(node, f"{BOB}/announces/1", "Announce")
    async with node.db.transaction() as session:
        found = await reactions.for_object(session, CALL)
        like = await reactions.get(session, f"{BOB}/likes/1")
        boost = await reactions.find(session, "Announce", BOB, CALL)
        assert await reactions.find(session, "Like", "https://remote.test/users/x", CALL) is None
        assert await reactions.get(session, f"{BOB}/likes/2") is None
    assert [(r.type, r.actor_iri) for r in found] == [("Like", BOB), ("Announce", BOB)]
    assert like is not None and (like.type, like.created_at) == ("Like", clock.now())
    assert boost is not None and boost.activity_iri == f"{BOB}/announces/1"


async def test_an_undone_reaction_is_gone(node: Runtime) -> None:
    await react(node, f"{BOB}/likes/1", "Like")
    async with node.db.transaction() as session:
        await reactions.remove(session, f"{BOB}/likes/1")
        assert await reactions.for_object(session, CALL) == []
    assert await react(node, f"{BOB}/likes/1", "Like")  # the id may come again
