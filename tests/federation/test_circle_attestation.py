"""What a node makes of circle calls passed on by others (node.federation.attestation and
forwarding): the author's key taken on an ally's word only for circle calls, only from an ally
of an addressed organisation, never against the key the author publishes; the author's Delete
forwarded by an ally accepted only with the author's proof. Requests are really signed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from node.activitypub import integrity
from node.activitypub.vocabulary import CONTEXT, SIGNED_CONTEXT
from node.federation import remote_actors
from node.federation.runtime import Runtime
from node.publication import Visibility
from node.runner import build_worker
from node.solidarity import allies, organisations
from node.storage import objects, signed_objects
from tests.support.actors import FakeActor, RemoteHost, hosted, post_signed
from tests.support.router import HostRouter
from tests.support.who import TESTER

SHARED = "https://node.test/inbox"


async def drain(node: Runtime) -> None:
    await build_worker(node).run_until_idle()


@pytest.fixture
def far(router: HostRouter) -> RemoteHost:
    """Where the calls' author lives; down once a test says so."""
    return hosted(router, "far.test")


@pytest.fixture
def carol(far: RemoteHost) -> FakeActor:
    author = far.actor("carol")
    author.assertion = ed25519.Ed25519PrivateKey.generate()
    return author


@pytest.fixture
async def bob(router: HostRouter, node: Runtime, alpha: str) -> FakeActor:
    """An ally of alpha (policy never: alpha reads what bob passes on, passes nothing on)."""
    near = hosted(router, "near.test")
    ally = near.actor("bob")
    ally.assertion = ed25519.Ed25519PrivateKey.generate()
    org = await organisations.get(node.db, "alpha")
    await allies.add(node, org, ally.iri, allies.Policy("never"), who=TESTER)
    return ally


def circle_call(carol: FakeActor, node: Runtime, key: str = "c1", **extra: Any) -> dict[str, Any]:
    deadline = (node.clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    call = {
        "@context": SIGNED_CONTEXT,
        "id": f"{carol.iri}/calls/{key}",
        "type": "Note",
        "kind": "call",
        "circle": True,
        "title": "Safe house needed",
        "deadline": deadline,
        "attributedTo": carol.iri,
        "content": "<p>Two nights.</p>",
        "to": ["https://near.test/users/bob"],
        "cc": [],
        "published": "2026-11-21T11:00:00Z",
    } | extra
    return carol.sign(call, node.clock.now())


def attested(author: FakeActor, key: ed25519.Ed25519PrivateKey | None = None) -> dict[str, Any]:
    public = (key or author.assertion or ed25519.Ed25519PrivateKey.generate()).public_key()
    return {
        "id": author.iri,
        "inbox": author.iri.split("/users/")[0] + "/inbox",
        "assertionMethod": {
            "id": author.assertion_key_id,
            "type": "Multikey",
            "controller": author.iri,
            "publicKeyMultibase": integrity.encode_public(public),
        },
    }


def announce(
    sender: FakeActor, call: dict[str, Any], to: list[str], author: dict[str, Any] | None, n: int
) -> dict[str, Any]:
    document = {
        "@context": CONTEXT,
        "id": f"{sender.iri}/announces/{n}",
        "type": "Announce",
        "actor": sender.iri,
        "object": call,
        "to": to,
        "cc": [],
        "circle": True,
        "hop": 1,
    }
    if author is not None:
        document["attestedAuthor"] = author
    return document


async def stored_and_kept(
    node: Runtime, iri: str
) -> tuple[objects.StoredObject | None, signed_objects.SignedObject | None]:
    async with node.db.transaction() as session:
        return await objects.get(session, iri), await signed_objects.get(session, iri)


async def test_an_allys_attested_key_carries_a_circle_call_whose_origin_is_down(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    bob: FakeActor,
    carol: FakeActor,
    router: HostRouter,
) -> None:
    router.down.add("far.test")
    call = circle_call(carol, node)
    sent = announce(bob, call, [alpha], attested(carol), 1)
    response = await post_signed(
        client, bob, SHARED, bob.sign(sent, node.clock.now()), node.clock.now()
    )
    assert response.status_code == 202, response.text
    await drain(node)
    stored, kept = await stored_and_kept(node, call["id"])
    assert stored is not None and stored.visibility is Visibility.CIRCLE
    assert kept is not None and kept.document == call and kept.key is not None
    assert (kept.key.vouched_by, kept.key.author_inbox) == (bob.iri, "https://far.test/inbox")
    assert not any(r.url.host == "far.test" for r in router.requests)  # never asked


@pytest.mark.parametrize("case", ["not an ally", "not addressed", "public call", "other author"])
async def test_an_attestation_counts_only_from_an_ally_for_its_addressee_and_a_circle_call(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    bob: FakeActor,
    carol: FakeActor,
    router: HostRouter,
    case: str,
) -> None:
    router.down.add("far.test")
    sender = hosted(router, "other.test").actor("mallory") if case == "not an ally" else bob
    call = circle_call(carol, node)
    if case == "public call":
        call = circle_call(
            carol, node, circle=False, to=["https://www.w3.org/ns/activitystreams#Public"]
        )
    author = attested(carol)
    if case == "other author":
        author["id"] = "https://far.test/users/dave"
    to = ["https://node.test/orgs/nobody"] if case == "not addressed" else [alpha]
    activity = announce(sender, call, to, author, 2)
    response = await post_signed(client, sender, SHARED, activity, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    stored, kept = await stored_and_kept(node, call["id"])
    assert kept is None and stored is None, case


async def test_a_key_attested_against_the_authors_own_is_refused(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    bob: FakeActor,
    carol: FakeActor,
    router: HostRouter,
) -> None:
    await remote_actors.get_actor(node, carol.iri)  # this node has met carol: her key is known
    router.down.add("far.test")
    forger = ed25519.Ed25519PrivateKey.generate()
    forged = integrity.sign(
        {k: v for k, v in circle_call(carol, node).items() if k != "proof"},
        forger,
        carol.assertion_key_id,
        node.clock.now(),
    )
    activity = announce(bob, forged, [alpha], attested(carol, forger), 3)
    response = await post_signed(client, bob, SHARED, activity, node.clock.now())
    assert response.status_code == 401
    stored, kept = await stored_and_kept(node, forged["id"])
    assert stored is None and kept is None


async def test_no_key_is_taken_on_trust_for_an_author_this_node_knows(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    bob: FakeActor,
    carol: FakeActor,
    router: HostRouter,
) -> None:
    """An author met here who publishes no assertion key (as most fediverse accounts): an ally
    cannot lend it one, so no one can put words in its mouth through a circle call."""
    key, carol.assertion = carol.assertion, None
    await remote_actors.get_actor(node, carol.iri)  # cached without any assertion key
    carol.assertion = key
    router.down.add("far.test")
    activity = announce(bob, circle_call(carol, node), [alpha], attested(carol), 6)
    response = await post_signed(client, bob, SHARED, activity, node.clock.now())
    assert response.status_code == 401
    await drain(node)
    stored, kept = await stored_and_kept(node, f"{carol.iri}/calls/c1")
    assert stored is None and kept is None


async def test_a_tampered_circle_call_is_refused_whoever_attests_it(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    bob: FakeActor,
    carol: FakeActor,
    router: HostRouter,
) -> None:
    router.down.add("far.test")
    call = circle_call(carol, node)
    call["content"] = "<p>Send money to this account.</p>"
    activity = announce(bob, call, [alpha], attested(carol), 4)
    response = await post_signed(client, bob, SHARED, activity, node.clock.now())
    assert response.status_code == 401


async def received(
    client: httpx.AsyncClient, node: Runtime, alpha: str, bob: FakeActor, carol: FakeActor
) -> dict[str, Any]:
    call = circle_call(carol, node)
    activity = announce(bob, call, [alpha], attested(carol), 5)
    response = await post_signed(client, bob, SHARED, activity, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    return call


def delete_of(
    carol: FakeActor, iri: str, node: Runtime, key: ed25519.Ed25519PrivateKey | None = None
) -> dict[str, Any]:
    document = {
        "@context": CONTEXT,
        "id": f"{iri}#delete",
        "type": "Delete",
        "actor": carol.iri,
        "object": {"id": iri, "type": "Tombstone"},
        "to": ["https://near.test/users/bob"],
        "cc": [],
    }
    signer = key or carol.assertion
    assert signer is not None
    return integrity.sign(document, signer, carol.assertion_key_id, node.clock.now())


async def test_the_authors_delete_forwarded_by_an_ally_withdraws_the_call(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    bob: FakeActor,
    carol: FakeActor,
    router: HostRouter,
) -> None:
    router.down.add("far.test")
    call = await received(client, node, alpha, bob, carol)
    forged = delete_of(carol, call["id"], node, ed25519.Ed25519PrivateKey.generate())
    assert (await post_signed(client, bob, SHARED, forged, node.clock.now())).status_code == 401
    unsigned = {k: v for k, v in delete_of(carol, call["id"], node).items() if k != "proof"}
    assert (await post_signed(client, bob, SHARED, unsigned, node.clock.now())).status_code == 401
    stored, _ = await stored_and_kept(node, call["id"])
    assert stored is not None and stored.deleted_at is None
    genuine = delete_of(carol, call["id"], node)
    assert (await post_signed(client, bob, SHARED, genuine, node.clock.now())).status_code == 202
    await drain(node)
    stored, kept = await stored_and_kept(node, call["id"])
    assert stored is not None and stored.deleted_at is not None and kept is None
    again = await post_signed(client, bob, SHARED, genuine, node.clock.now())
    assert again.status_code == 202  # another copy along another path changes nothing


async def test_no_other_activity_is_taken_as_forwarded(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    bob: FakeActor,
    carol: FakeActor,
    router: HostRouter,
) -> None:
    router.down.add("far.test")
    call = await received(client, node, alpha, bob, carol)
    like = carol.sign(
        {
            "@context": CONTEXT,
            "id": f"{carol.iri}/likes/1",
            "type": "Like",
            "actor": carol.iri,
            "object": call["id"],
        },
        node.clock.now(),
    )
    assert (await post_signed(client, bob, SHARED, like, node.clock.now())).status_code == 401
    other = delete_of(carol, f"{carol.iri}/calls/unknown", node)
    assert (await post_signed(client, bob, SHARED, other, node.clock.now())).status_code == 401
