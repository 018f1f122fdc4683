"""Integrity proofs on the wire (FEP-8b32, FEP-521a): what organisations publish and sign, and
what the inbox makes of received proofs. Requests are really signed; the worker really runs.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from node.activitypub import integrity
from node.activitypub.objects import ActivityView
from node.activitypub.vocabulary import PUBLIC
from node.errors import SignatureError
from node.federation import following
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import allies, organisations, publishing, validation
from node.storage import objects, signed_objects
from node.storage.tables import DeliveryRow
from tests.support.actors import FakeActor, RemoteHost, hosted, post_signed
from tests.support.router import HostRouter
from tests.support.who import TESTER

SHARED = "https://node.test/inbox"
SIGNED = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"]
SN = "https://w3id.org/solidarity-node/ns#"


async def drain(node: Runtime) -> None:
    await build_worker(node).run_until_idle()


def verify_with(document: dict[str, Any], actor_document: dict[str, Any]) -> None:
    """Check a proof as any reader would: with the key the actor document publishes."""
    proof = integrity.proof_of(document)
    assert proof is not None, document
    [method] = actor_document["assertionMethod"]
    assert proof.verification_method == method["id"]
    integrity.verify(document, proof, integrity.decode_public(method["publicKeyMultibase"]))


def call_body(node: Runtime, title: str = "Stop the eviction") -> dict[str, Any]:
    deadline = (node.clock.now() + timedelta(days=3)).isoformat()
    return {"title": title, "content": "Come to court at 9.", "deadline": deadline}


async def get_as2(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url, headers={"Accept": "application/activity+json"})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_an_organisation_publishes_its_assertion_key(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    actor = await get_as2(client, alpha)
    [key] = actor["assertionMethod"]
    assert key["id"] == f"{alpha}#ed25519-key" and key["controller"] == alpha
    assert key["type"] == "Multikey" and key["publicKeyMultibase"].startswith("z6Mk")
    assert "https://w3id.org/security/multikey/v1" in actor["@context"]
    assert "https://w3id.org/security/data-integrity/v1" in actor["@context"]
    assert actor["publicKey"]["id"] == f"{alpha}#main-key"  # the RSA key stays beside it


async def test_a_call_its_create_and_its_page_carry_proofs_that_verify(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    rosa = remote.actor("rosa")
    follow = {"id": f"{rosa.iri}/f/1", "type": "Follow", "actor": rosa.iri, "object": alpha}
    assert (await post_signed(client, rosa, SHARED, follow, node.clock.now())).status_code == 202
    await drain(node)
    org = await organisations.get(node.db, "alpha")
    draft = validation.call(call_body(node), node.clock.now())
    stored = await publishing.publish(node, org, draft)
    actor = await get_as2(client, alpha)
    async with node.db.transaction() as session:
        bodies = (await session.scalars(select(DeliveryRow.body))).all()
    create = next(json.loads(b) for b in bodies if json.loads(b)["type"] == "Create")
    verify_with(create, actor)  # the activity as sent
    verify_with(create["object"], actor)  # the call embedded with its own proof and context
    assert create["object"]["@context"] == stored.document["@context"]
    served = await get_as2(client, stored.iri)
    verify_with(served, actor)  # signed again over the live counts
    served["content"] = "<p>Send money to this account.</p>"
    with pytest.raises(SignatureError, match="does not verify"):
        verify_with(served, actor)


async def test_a_key_rotation_changes_the_assertion_key_and_tells_followers(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    before = (await get_as2(client, alpha))["assertionMethod"][0]["publicKeyMultibase"]
    await organisations.update(node, "alpha", rotate_key=True)
    after = (await get_as2(client, alpha))["assertionMethod"][0]["publicKeyMultibase"]
    assert after != before


def signed_note(author: FakeActor, key: str, node: Runtime) -> dict[str, Any]:
    note = {
        "@context": SIGNED,
        "id": f"{author.iri}/notes/{key}",
        "type": "Note",
        "attributedTo": author.iri,
        "content": "<p>Hearing on Monday.</p>",
        "to": [PUBLIC],
        "published": "2026-11-21T11:00:00Z",
    }
    return author.sign(note, node.clock.now())


def create_of(actor: FakeActor, obj: dict[str, Any], key: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/activities/{key}",
        "type": "Create",
        "actor": actor.iri,
        "object": obj,
        "to": [PUBLIC],
    }


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")


@pytest.fixture
def bob(remote: RemoteHost) -> FakeActor:
    actor = remote.actor("bob")
    actor.assertion = ed25519.Ed25519PrivateKey.generate()
    return actor


async def test_a_received_signed_object_is_verified_and_kept_as_signed(
    client: httpx.AsyncClient, node: Runtime, alpha: str, bob: FakeActor
) -> None:
    note = signed_note(bob, "n1", node)
    activity = bob.sign(create_of(bob, note, "c1"), node.clock.now())
    assert (await post_signed(client, bob, SHARED, activity, node.clock.now())).status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        kept = await signed_objects.get(session, note["id"])
        stored = await objects.get(session, note["id"])
    assert kept is not None and kept.document == note and kept.owner_iri == bob.iri
    assert stored is not None and "Hearing" in stored.content.body_text


@pytest.mark.parametrize("where", ["object", "activity"])
async def test_a_proof_that_does_not_verify_is_refused(
    client: httpx.AsyncClient, node: Runtime, alpha: str, bob: FakeActor, where: str
) -> None:
    note = signed_note(bob, "n1", node)
    activity = bob.sign(create_of(bob, note, "c1"), node.clock.now())
    if where == "object":
        activity["object"]["content"] = "<p>Send money to this account.</p>"
    else:
        activity["to"] = [*activity["to"], "https://evil.test/users/m"]
    response = await post_signed(client, bob, SHARED, activity, node.clock.now())
    assert response.status_code == 401
    assert "does not verify" in response.json()["error"]
    async with node.db.transaction() as session:
        assert await signed_objects.get(session, note["id"]) is None


async def test_a_proof_made_with_another_actors_key_is_refused(
    client: httpx.AsyncClient, node: Runtime, alpha: str, bob: FakeActor, remote: RemoteHost
) -> None:
    carol = remote.actor("carol")
    carol.assertion = ed25519.Ed25519PrivateKey.generate()
    note = carol.sign(signed_note(bob, "n1", node), node.clock.now())  # bob's, signed by carol
    response = await post_signed(client, bob, SHARED, create_of(bob, note, "c1"), node.clock.now())
    assert response.status_code == 401
    assert "on what" in response.json()["error"]


async def test_a_proof_with_a_key_the_owner_does_not_publish_is_ignored(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    dan = remote.actor("dan")  # publishes no assertion key
    note = integrity.sign(
        signed_note(dan, "n1", node) | {},
        ed25519.Ed25519PrivateKey.generate(),
        f"{dan.iri}#ed25519-key",
        node.clock.now(),
    )
    dan.assertion = None
    response = await post_signed(client, dan, SHARED, create_of(dan, note, "c1"), node.clock.now())
    assert response.status_code == 202  # authenticated by its HTTP signature, as before
    await drain(node)
    async with node.db.transaction() as session:
        assert await objects.get(session, note["id"]) is not None
        assert await signed_objects.get(session, note["id"]) is None


async def test_a_call_passed_on_signed_is_trusted_and_amplified_while_its_origin_is_down(
    client: httpx.AsyncClient, node: Runtime, alpha: str, router: HostRouter
) -> None:
    """A call from origin.test reaches alpha through an ally on relay.test, embedded in its
    Announce with the author's proof; origin.test no longer answers. Alpha keeps the call,
    amplifies it, and its own Announce embeds the signed call for the next hop."""
    origin, ally_host = hosted(router, "origin.test"), hosted(router, "ally.test")
    ana, ally = origin.actor("ana"), ally_host.actor("ally")
    ana.assertion = ed25519.Ed25519PrivateKey.generate()
    org = await organisations.get(node.db, "alpha")
    follow = {"id": f"{ally.iri}/f/1", "type": "Follow", "actor": ally.iri, "object": alpha}
    await following.on_follow(node, ActivityView.from_document(follow))  # alpha has a follower
    await allies.add(node, org, ally.iri, allies.Policy("auto"), who=TESTER)
    await following.follow(node, org, ana.iri)  # alpha has read ana's actor (and key) once
    deadline = (node.clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    call = ana.sign(
        {
            "@context": [*SIGNED[:2], {"sn": SN, "kind": "sn:kind", "title": "sn:title"}],
            "id": f"{ana.iri}/calls/c1",
            "type": "Note",
            "kind": "call",
            "title": "Stop the eviction",
            "deadline": deadline,
            "attributedTo": ana.iri,
            "content": "<p>Come to court at 9.</p>",
            "to": [PUBLIC],
            "cc": [f"{ana.iri}/followers"],
            "published": "2026-11-21T11:00:00Z",
        },
        node.clock.now(),
    )
    router.down.add("origin.test")  # the origin answers no more from here on
    announce = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{ally.iri}/announces/1",
        "type": "Announce",
        "actor": ally.iri,
        "object": call,
        "to": [PUBLIC],
        "cc": [ana.iri],
        "hop": 1,
    }
    response = await post_signed(client, ally, SHARED, announce, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    async with node.db.transaction() as session:
        stored = await objects.get(session, call["id"])
        bodies = [json.loads(b) for b in (await session.scalars(select(DeliveryRow.body))).all()]
    assert stored is not None and stored.fields.title == "Stop the eviction"
    [ours] = list({b["id"]: b for b in bodies if b["type"] == "Announce"}.values())
    assert ours["actor"] == alpha and ours["object"] == call and ours["hop"] == 2


async def test_an_activity_without_http_signature_is_taken_on_its_actors_proof(
    client: httpx.AsyncClient, node: Runtime, alpha: str, bob: FakeActor
) -> None:
    activity = bob.sign(create_of(bob, signed_note(bob, "n1", node), "c1"), node.clock.now())
    headers = {"Content-Type": "application/activity+json"}
    tampered = json.loads(json.dumps(activity))
    tampered["object"]["content"] = "<p>Send money to this account.</p>"
    tampered = tampered | {"proof": activity["proof"]}
    refused = await client.post(SHARED, content=json.dumps(tampered), headers=headers)
    assert refused.status_code == 401
    unsigned = {k: v for k, v in activity.items() if k != "proof"}
    bare = await client.post(SHARED, content=json.dumps(unsigned), headers=headers)
    assert bare.status_code == 401
    taken = await client.post(SHARED, content=json.dumps(activity), headers=headers)
    assert taken.status_code == 202, taken.text
    await drain(node)
    async with node.db.transaction() as session:
        assert await objects.get(session, activity["object"]["id"]) is not None
