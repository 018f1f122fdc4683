"""A call's cascade tree as this node saw it, on SQLite and PostgreSQL: the Create at the root
(or an inferred root when only Announces arrived), every Announce under its `via`, a plain boost
under an amplifier its booster follows or else the root, with hops, seconds and each actor's
advertised reach (looked up at most hourly)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from node.clock import FrozenClock
from node.errors import NotFound
from node.federation.runtime import Runtime
from node.solidarity import cascade, organisations, publishing, validation
from node.storage import cascade as entries
from node.storage import follows, objects
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject
from tests.support.actors import FakeActor, RemoteHost
from tests.support.content import content
from tests.support.router import HostRouter


async def remote_call(node: Runtime, author: FakeActor) -> StoredObject:
    iri = f"{author.iri}/calls/c1"
    async with node.db.transaction() as session:
        return await objects.put(
            session,
            iri=iri,
            actor_iri=author.iri,
            content=content(),
            document={"id": iri},
            published=node.clock.now(),
            now=node.clock.now(),
        )


async def seen(
    node: Runtime, call: StoredObject, iri: str, actor: str, via: str | None, hop: int | None
) -> None:
    async with node.db.transaction() as session:
        await entries.add(
            session,
            activity_iri=iri,
            object_iri=call.iri,
            type="Create" if hop == 0 and via is None else "Announce",
            actor_iri=actor,
            via_iri=via,
            hop=hop,
            at=node.clock.now(),
        )


def by_id(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in tree["nodes"]}


async def test_calls_known_here_by_key_or_by_the_end_of_their_id(
    node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    org = await organisations.get(node.db, "alpha")
    local = await publishing.publish(
        node,
        org,
        validation.call(
            {"title": "T", "content": "C", "deadline": "2026-12-01T18:00Z"}, node.clock.now()
        ),
    )
    strategy = await publishing.publish(
        node, org, validation.strategy({"title": "T", "content": "C"})
    )
    received = await remote_call(node, remote.actor("author"))
    assert (await cascade.known_call(node, local.key or "")).iri == local.iri
    assert (await cascade.known_call(node, "c1")).iri == received.iri
    for key in (strategy.key or "", "unknown"):
        with pytest.raises(NotFound, match=f"no call {key} is known here"):
            await cascade.known_call(node, key)


async def test_the_tree_hangs_announces_under_via_and_boosts_under_whom_they_follow(
    node: Runtime, clock: FrozenClock, remote: RemoteHost, router: HostRouter
) -> None:
    author, ally, booster, stranger = (
        remote.actor(name) for name in ("author", "ally", "booster", "stranger")
    )
    for actor, total in ((author, 100), (ally, 7), (booster, 0), (stranger, 3)):
        remote.objects[f"{actor.iri}/followers"] = {
            "id": f"{actor.iri}/followers",
            "type": "OrderedCollection",
            "totalItems": total,
        }
    call = await remote_call(node, author)
    create = f"{call.iri}/activity"
    await seen(node, call, create, author.iri, None, 0)
    clock.advance(timedelta(seconds=30))
    await seen(node, call, f"{ally.iri}/a/1", ally.iri, create, 1)
    await seen(node, call, f"{booster.iri}/boost", booster.iri, None, None)
    await seen(node, call, f"{stranger.iri}/boost", stranger.iri, None, None)
    async with node.db.transaction() as session:
        await follows.put(session, booster.iri, ally.iri, ACCEPTED, None, clock.now())

    tree = await cascade.tree(node, call)

    assert (tree["object"], tree["author"]) == (call.iri, author.iri)
    nodes = by_id(tree)
    root, step = nodes[create], nodes[f"{ally.iri}/a/1"]
    assert (root["hop"], root["via"], root["inferred"], root["reach"]) == (0, None, False, 100)
    assert (step["via"], step["hop"], step["seconds"], step["reach"]) == (create, 1, 30.0, 7)
    boost = nodes[f"{booster.iri}/boost"]
    assert (boost["via"], boost["hop"], boost["inferred"]) == (f"{ally.iri}/a/1", 2, True)
    lone = nodes[f"{stranger.iri}/boost"]
    assert (lone["via"], lone["hop"], lone["inferred"]) == (create, 1, True)

    looked_up = len(router.requests)
    clock.advance(timedelta(minutes=59))
    await cascade.tree(node, call)
    assert len(router.requests) == looked_up  # reach is kept for an hour
    clock.advance(timedelta(minutes=2))
    await cascade.tree(node, call)
    assert len(router.requests) > looked_up


async def test_without_the_create_the_root_is_inferred(
    node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    author = remote.actor("author")
    call = await remote_call(node, author)
    await seen(node, call, f"{alpha}/announce", alpha, call.iri, 1)
    async with node.db.transaction() as session:
        await follows.put(
            session, "https://remote.test/users/f", alpha, ACCEPTED, None, node.clock.now()
        )

    tree = await cascade.tree(node, call)

    root, step = tree["nodes"]
    assert (root["id"], root["type"], root["hop"], root["inferred"]) == (
        call.iri,
        "Create",
        0,
        True,
    )
    assert (step["via"], step["hop"], step["reach"]) == (call.iri, 1, 1)  # alpha's own count
