"""Relays in one process: subscription (both styles), answers only from the relay, what goes
to a relay, and what a relay passes on, which is never trusted as sent.

The relay is a RemoteHost (relay.test) whose actor signs real requests to the node's inbox;
the interop test (tests/interop/test_relay.py) runs the real activityrelay.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from node.activitypub.vocabulary import CONTEXT, PUBLIC
from node.errors import InvalidInput, NotFound
from node.federation import relays
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import allies, organisations, publishing, validation
from node.storage import amplifications, inbox_items, objects
from node.storage.relays import ACCEPTED, LITEPUB, MASTODON, PENDING
from tests.support.actors import FakeActor, RemoteHost, hosted, post_signed
from tests.support.router import HostRouter
from tests.support.who import TESTER

SHARED = "https://node.test/inbox"
RELAY_INBOX = "https://relay.test/inbox"


@pytest.fixture
def relay_host(router: HostRouter) -> RemoteHost:
    return hosted(router, "relay.test")


@pytest.fixture
def origin(router: HostRouter) -> RemoteHost:
    return hosted(router, "origin.test")


async def drain(node: Runtime) -> None:
    await build_worker(node).run_until_idle()


def follows_sent(host: RemoteHost) -> list[dict[str, Any]]:
    return [a for a in host.received if a.get("type") == "Follow"]


async def accepted_relay(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost
) -> FakeActor:
    """Subscribe Mastodon-style and answer with the relay actor's Accept."""
    relay_actor = relay_host.actor("relay")
    made = await relays.add(node, RELAY_INBOX)
    await drain(node)
    accept = {
        "@context": CONTEXT,
        "id": "https://relay.test/activities/accept-1",
        "type": "Accept",
        "actor": relay_actor.iri,
        "object": {"id": made.follow_iri, "type": "Follow", "actor": node.urls.instance_actor},
    }
    response = await post_signed(client, relay_actor, SHARED, accept, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    return relay_actor


def remote_call(author: FakeActor, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"{author.iri}/calls/{key}",
        "type": "Note",
        "kind": "call",
        "attributedTo": author.iri,
        "name": "Stop the eviction",
        "content": "<p>Come to the hearing.</p>",
        "urgency": "high",
        "deadline": "2026-12-01T18:00:00Z",
        "to": [PUBLIC],
        "cc": [f"{author.iri}/followers"],
        "published": "2026-11-21T11:00:00Z",
    } | extra


async def test_mastodon_style_subscription_follows_public_and_learns_the_relay_actor(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost
) -> None:
    relay_actor = await accepted_relay(node, client, relay_host)
    (follow,) = follows_sent(relay_host)
    assert follow["actor"] == node.urls.instance_actor and follow["object"] == PUBLIC
    (relay,) = await relays.listed(node)
    assert (relay.inbox_url, relay.style, relay.state) == (RELAY_INBOX, MASTODON, ACCEPTED)
    assert relay.actor_iri == relay_actor.iri


async def test_litepub_style_follows_the_relay_actor_at_its_shared_inbox(
    node: Runtime, relay_host: RemoteHost
) -> None:
    relay_actor = relay_host.actor("relay")
    made = await relays.add(node, relay_actor.iri)
    await drain(node)
    assert (made.style, made.inbox_url, made.actor_iri) == (LITEPUB, RELAY_INBOX, relay_actor.iri)
    (follow,) = follows_sent(relay_host)
    assert follow["object"] == relay_actor.iri and follow["id"] == made.follow_iri


@pytest.mark.parametrize(
    ("url", "style", "message"),
    [
        ("relay.test/inbox", "auto", r"not an http\(s\) URL"),
        ("https://relay.test/users/nobody", "litepub", "cannot read the relay actor"),
        ("https://relay.test/inbox", "sideways", "relay style must be one of"),
    ],
)
async def test_bad_relays_are_refused_with_a_reason(
    node: Runtime, relay_host: RemoteHost, url: str, style: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        await relays.add(node, url, style)
    assert await relays.listed(node) == []


async def test_an_accept_from_another_host_does_not_subscribe(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost, origin: RemoteHost
) -> None:
    made = await relays.add(node, RELAY_INBOX)
    await drain(node)
    mallory = origin.actor("mallory")
    accept = {
        "@context": CONTEXT,
        "id": f"{mallory.iri}/accept",
        "type": "Accept",
        "actor": mallory.iri,
        "object": made.follow_iri,
    }
    assert (await post_signed(client, mallory, SHARED, accept, node.clock.now())).status_code == 202
    await drain(node)
    (relay,) = await relays.listed(node)
    assert relay.state == PENDING and relay.actor_iri is None


async def test_public_calls_go_to_the_relay_and_followers_only_calls_do_not(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost, alpha: str
) -> None:
    await accepted_relay(node, client, relay_host)
    org = await organisations.get(node.db, "alpha")
    body = {"title": "Eviction", "content": "Come.", "deadline": "2026-12-01T18:00Z"}
    public = await publishing.publish(node, org, validation.call(body, node.clock.now()))
    private = await publishing.publish(
        node, org, validation.call(body | {"visibility": "followers"}, node.clock.now())
    )
    strategy = await publishing.publish(
        node, org, validation.strategy({"title": "Notes", "content": "How we won."})
    )
    await drain(node)
    relayed = {a["object"]["id"] for a in relay_host.received if a.get("type") == "Create"}
    assert public.iri in relayed
    assert private.iri not in relayed and strategy.iri not in relayed


async def test_a_relay_announce_is_fetched_from_the_origin_and_amplified_by_an_ally(
    node: Runtime,
    client: httpx.AsyncClient,
    relay_host: RemoteHost,
    origin: RemoteHost,
    alpha: str,
) -> None:
    relay_actor = await accepted_relay(node, client, relay_host)
    author = origin.actor("ana")
    call = remote_call(author, "c1")
    origin.objects[call["id"]] = call
    org = await organisations.get(node.db, "alpha")
    await allies.add(node, org, author.iri, allies.policy_from({"amplify": "auto"}), who=TESTER)
    announce = {
        "@context": CONTEXT,
        "id": "https://relay.test/activities/a1",
        "type": "Announce",
        "actor": relay_actor.iri,
        "object": call["id"],
        "to": ["https://relay.test/followers"],
    }
    assert (
        await post_signed(client, relay_actor, SHARED, announce, node.clock.now())
    ).status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        stored = await objects.get(session, call["id"])
        row = await amplifications.find(session, org.id, call["id"])
    assert stored is not None and stored.kind == "call" and stored.actor_iri == author.iri
    assert row is not None and (row.via_iri, row.hop) == (announce["id"], 1)


async def test_a_forwarded_create_is_taken_from_the_origin_not_from_the_relay(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost, origin: RemoteHost
) -> None:
    relay_actor = await accepted_relay(node, client, relay_host)
    author = origin.actor("ana")
    call = remote_call(author, "c2")
    origin.objects[call["id"]] = call
    forged = call | {"content": "<p>Send money to the relay.</p>"}
    create = {
        "@context": CONTEXT,
        "id": f"{call['id']}/activity",
        "type": "Create",
        "actor": author.iri,
        "object": forged,
        "to": [PUBLIC],
    }
    assert (
        await post_signed(client, relay_actor, SHARED, create, node.clock.now())
    ).status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        stored = await objects.get(session, call["id"])
    assert stored is not None and "hearing" in (stored.content.body_text or "")


async def test_only_a_subscribed_relay_may_sign_for_another_actor(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost, origin: RemoteHost
) -> None:
    stranger = relay_host.actor("stranger")  # not the relay: never subscribed
    author = origin.actor("ana")
    call = remote_call(author, "c3")
    create = {"id": f"{call['id']}/activity", "type": "Create", "actor": author.iri, "object": call}
    response = await post_signed(client, stranger, SHARED, create, node.clock.now())
    assert response.status_code == 401
    async with node.db.transaction() as session:
        assert sum((await inbox_items.count_by_state(session)).values()) == 0


async def test_a_forwarded_delete_counts_only_once_the_origin_says_gone(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost, origin: RemoteHost
) -> None:
    relay_actor = await accepted_relay(node, client, relay_host)
    author = origin.actor("ana")
    call = remote_call(author, "c4")
    origin.objects[call["id"]] = call
    announce = {"id": "https://relay.test/activities/a4", "type": "Announce"}
    announce |= {"actor": relay_actor.iri, "object": call["id"]}
    await post_signed(client, relay_actor, SHARED, announce, node.clock.now())
    await drain(node)
    delete = {"id": f"{call['id']}#delete", "type": "Delete", "actor": author.iri}
    delete |= {"object": call["id"], "to": [PUBLIC]}
    await post_signed(client, relay_actor, SHARED, delete, node.clock.now())
    await drain(node)
    async with node.db.transaction() as session:
        assert (await objects.get(session, call["id"])).deleted_at is None  # type: ignore[union-attr]
    del origin.objects[call["id"]]  # now the origin answers 404
    delete2 = delete | {"id": f"{call['id']}#delete-again"}
    await post_signed(client, relay_actor, SHARED, delete2, node.clock.now())
    await drain(node)
    async with node.db.transaction() as session:
        assert (await objects.get(session, call["id"])).deleted_at is not None  # type: ignore[union-attr]


async def test_remove_sends_undo_and_forgets_the_relay(
    node: Runtime, client: httpx.AsyncClient, relay_host: RemoteHost
) -> None:
    relay_actor = await accepted_relay(node, client, relay_host)
    made = (await relays.listed(node))[0]
    await relays.remove(node, relay_actor.iri)
    await drain(node)
    (undo,) = [a for a in relay_host.received if a.get("type") == "Undo"]
    assert undo["object"]["id"] == made.follow_iri and undo["actor"] == node.urls.instance_actor
    assert await relays.listed(node) == []
    with pytest.raises(NotFound):
        await relays.remove(node, RELAY_INBOX)
