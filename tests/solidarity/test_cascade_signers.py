"""Cascade entries come only from Announces the amplifier itself signed: one signed by someone
else for it is refused, one a relay forwards is handled by reference without an entry, and
an Announce of a call that is not public adds nothing to any tree."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from node.activitypub.vocabulary import CONTEXT, PUBLIC
from node.federation import relays
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.storage import cascade
from tests.support.actors import FakeActor, RemoteHost, hosted, post_signed
from tests.support.router import HostRouter

SHARED = "https://node.test/inbox"


@pytest.fixture
def origin(router: HostRouter) -> RemoteHost:
    return hosted(router, "origin.test")


@pytest.fixture
def relay_host(router: HostRouter) -> RemoteHost:
    return hosted(router, "relay.test")


async def drain(node: Runtime) -> None:
    await build_worker(node).run_until_idle()


def call(author: FakeActor, key: str, to: list[str]) -> dict[str, Any]:
    return {
        "id": f"{author.iri}/calls/{key}",
        "type": "Note",
        "kind": "call",
        "attributedTo": author.iri,
        "content": "<p>Come to the hearing.</p>",
        "to": to,
        "published": "2026-11-21T11:00:00Z",
    }


async def received(client: httpx.AsyncClient, node: Runtime, author: FakeActor, obj: Any) -> None:
    create = {
        "@context": CONTEXT,
        "id": f"{obj['id']}/activity",
        "type": "Create",
        "actor": author.iri,
        "object": obj,
        "to": obj["to"],
    }
    assert (await post_signed(client, author, SHARED, create, node.clock.now())).status_code == 202
    await drain(node)


def announce(actor: FakeActor, n: int, object_iri: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"{actor.iri}/announces/{n}",
        "type": "Announce",
        "actor": actor.iri,
        "object": object_iri,
        "to": [PUBLIC],
        "hop": 1,
    }


async def entries(node: Runtime, object_iri: str) -> list[tuple[str, str]]:
    async with node.db.transaction() as session:
        return [(e.type, e.actor_iri) for e in await cascade.of_object(session, object_iri)]


async def subscribed_relay(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost
) -> FakeActor:
    relay_actor = relay_host.actor("relay")
    made = await relays.add(node, "https://relay.test/inbox")
    await drain(node)
    accept = {
        "@context": CONTEXT,
        "id": "https://relay.test/activities/accept-1",
        "type": "Accept",
        "actor": relay_actor.iri,
        "object": {"id": made.follow_iri, "type": "Follow", "actor": node.urls.instance_actor},
    }
    assert (await post_signed(client, relay_actor, SHARED, accept, node.clock.now())).is_success
    await drain(node)
    return relay_actor


async def test_only_the_amplifiers_own_signed_announce_is_an_entry(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    origin: RemoteHost,
    relay_host: RemoteHost,
) -> None:
    ana, bob, eve = origin.actor("ana"), origin.actor("bob"), relay_host.actor("eve")
    public = call(ana, "c1", [PUBLIC])
    origin.objects[public["id"]] = public
    await received(client, node, ana, public)
    relay_actor = await subscribed_relay(node, client, relay_host)

    forged = await post_signed(
        client, eve, SHARED, announce(bob, 1, public["id"]), node.clock.now()
    )
    assert forged.status_code == 401
    forwarded = announce(bob, 2, public["id"])
    sent = await post_signed(client, relay_actor, SHARED, forwarded, node.clock.now())
    assert sent.status_code == 202
    await drain(node)
    assert await entries(node, public["id"]) == [("Create", ana.iri)]

    own = await post_signed(client, bob, SHARED, announce(bob, 3, public["id"]), node.clock.now())
    assert own.status_code == 202
    await drain(node)
    assert await entries(node, public["id"]) == [("Create", ana.iri), ("Announce", bob.iri)]


async def test_an_announce_of_a_call_that_is_not_public_adds_nothing(
    client: httpx.AsyncClient, node: Runtime, alpha: str, origin: RemoteHost
) -> None:
    ana, bob = origin.actor("ana"), origin.actor("bob")
    private = call(ana, "c2", [alpha])
    await received(client, node, ana, private)
    sent = await post_signed(client, bob, SHARED, announce(bob, 4, private["id"]), node.clock.now())
    assert sent.status_code == 202
    await drain(node)
    assert await entries(node, private["id"]) == []
