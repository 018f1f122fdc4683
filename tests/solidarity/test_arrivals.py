"""The network's answer to arriving content, on SQLite and PostgreSQL: a call's Create roots
its cascade (anything else does not), an Announce is a step of it, a relay's copy is an arrival
but no step, a withdrawal drops what members had not decided, and only an ally's boosts are
worth fetching."""

from __future__ import annotations

import pytest

from node.federation.runtime import Runtime
from node.solidarity import allies, organisations
from node.solidarity.arrivals import CascadeArrivals
from node.storage import amplifications, cascade, objects
from node.storage.actors import LocalActor
from node.storage.amplifications import PENDING, SENT, WITHDRAWN
from node.storage.objects import StoredObject
from tests.support.actors import FakeActor, RemoteHost
from tests.support.content import content
from tests.support.who import TESTER

ARRIVALS = CascadeArrivals()


@pytest.fixture
async def org(node: Runtime, alpha: str) -> LocalActor:
    return await organisations.get(node.db, "alpha")


async def received(node: Runtime, author: FakeActor, key: str, **given: object) -> StoredObject:
    iri = f"{author.iri}/objects/{key}"
    async with node.db.transaction() as session:
        return await objects.put(
            session,
            iri=iri,
            actor_iri=author.iri,
            content=content(deadline=node.clock.now().replace(year=2027), **given),
            document={"id": iri},
            published=node.clock.now(),
            now=node.clock.now(),
        )


async def steps(node: Runtime, stored: StoredObject) -> list[tuple[str, str]]:
    async with node.db.transaction() as session:
        return [(e.type, e.activity_iri) for e in await cascade.of_object(session, stored.iri)]


async def states(node: Runtime, stored: StoredObject) -> list[str]:
    async with node.db.transaction() as session:
        return [row.state for row in await amplifications.of_object(session, stored.iri)]


async def test_a_calls_create_roots_its_cascade_and_other_content_does_not(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    author = remote.actor("author")
    await allies.add(node, org, author.iri, allies.Policy("auto"), who=TESTER)
    call = await received(node, author, "call")
    reply = await received(node, author, "reply", kind=None)

    await ARRIVALS.created(node, f"{call.iri}/create", call)
    await ARRIVALS.created(node, f"{reply.iri}/create", reply)

    assert (await steps(node, call))[0] == ("Create", f"{call.iri}/create")
    assert await states(node, call) == [SENT]
    assert await steps(node, reply) == [] and await states(node, reply) == []


async def test_an_announce_is_a_step_and_a_relays_copy_is_not(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    author, carol = remote.actor("author"), remote.actor("carol")
    await allies.add(node, org, author.iri, allies.Policy("manual"), who=TESTER)
    boosted = await received(node, author, "boosted")
    relayed = await received(node, author, "relayed")

    announce = f"{carol.iri}/announce/1"
    await ARRIVALS.announced(node, announce, carol.iri, {"id": announce, "hop": 1}, boosted)
    await ARRIVALS.passed_on(node, "https://relay.test/announce/1", relayed)

    assert await steps(node, boosted) == [("Announce", announce)]
    assert await states(node, boosted) == []  # carol is no ally of alpha
    assert await steps(node, relayed) == []  # a relay is no step of the cascade
    assert await states(node, relayed) == [PENDING]  # but the call arrived, as from its author


async def test_a_withdrawal_drops_what_was_not_decided(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    author = remote.actor("author")
    await allies.add(node, org, author.iri, allies.Policy("manual"), who=TESTER)
    call = await received(node, author, "call")
    await ARRIVALS.created(node, f"{call.iri}/create", call)

    await ARRIVALS.withdrawn(node, call.iri)

    assert await states(node, call) == [WITHDRAWN]


async def test_only_an_allys_boosts_are_worth_fetching(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    author, carol = remote.actor("author"), remote.actor("carol")
    await allies.add(node, org, author.iri, allies.Policy("never"), who=TESTER)
    assert await ARRIVALS.wants_announces_of(node, author.iri)
    assert not await ARRIVALS.wants_announces_of(node, carol.iri)
