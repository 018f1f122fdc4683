"""The Fedify peer against itself: proves the harness (signing, verifying, TLS, WebFinger)
works before it is pointed at the node, so a failing interop test means the node."""

from __future__ import annotations

import httpx
import pytest

from tests.interop.interop_harness import FedifyPeer, LookupRunner, PeerFactory

pytestmark = pytest.mark.interop


def test_follow_is_accepted_with_verified_signatures(start_fedify_peer: PeerFactory) -> None:
    a, b = start_fedify_peer("a"), start_fedify_peer("b")

    sent = b.follow(a.actor)

    follow = a.wait_for_activity("Follow", lambda e: e["id"] == sent["id"])
    assert follow["verified"] and follow["httpSignature"]["verified"], follow
    assert follow["httpSignature"]["keyOwner"] == b.actor
    accept = b.wait_for_activity("Accept", lambda e: e["parsedObject"] == sent["id"])
    assert accept["verified"] and accept["httpSignature"]["verified"], accept
    assert accept["actor"] == a.actor
    assert b.wait_following(a.actor)["answer"] == accept["id"]
    assert [f["id"] for f in a.followers()] == [b.actor]


def test_create_note_reaches_the_mentioned_actor(start_fedify_peer: PeerFactory) -> None:
    a, b = start_fedify_peer("a"), start_fedify_peer("b")

    sent = b.create_note("<p>Hello from b</p>", mention=a.actor)

    create = a.wait_for_activity("Create", lambda e: e["id"] == sent["id"])
    assert create["verified"] and create["httpSignature"]["verified"], create
    note = create["activity"]["object"]
    assert note["id"] == sent["object"]
    assert note["content"] == "<p>Hello from b</p>"
    tags = note["tag"] if isinstance(note["tag"], list) else [note["tag"]]
    assert {"type": "Mention", "href": a.actor, "name": a.handle} in tags


def test_unfollow_removes_the_follower(start_fedify_peer: PeerFactory) -> None:
    a, b = start_fedify_peer("a"), start_fedify_peer("b")
    b.follow(a.actor)
    b.wait_following(a.actor)

    undo = b.unfollow(a.actor)

    assert a.wait_for_activity("Undo", lambda e: e["id"] == undo["id"])["verified"]
    assert a.followers() == []


def test_unsigned_activity_is_refused(fedify_peer: FedifyPeer) -> None:
    forged = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{fedify_peer.origin}/forged/1",
        "type": "Create",
        "actor": fedify_peer.actor,
        "object": {"id": f"{fedify_peer.origin}/forged/2", "type": "Note", "content": "forged"},
    }
    response = httpx.post(
        f"{fedify_peer.origin}/users/peer/inbox",
        json=forged,
        headers={"content-type": "application/activity+json"},
    )

    assert response.status_code == 401
    entry = fedify_peer.wait_for_activity("Create", lambda e: e["id"] == forged["id"])
    assert not entry["verified"] and entry["handled"] is None


def test_lookup_by_handle_over_tls(
    start_fedify_peer: PeerFactory, fedify_lookup: LookupRunner
) -> None:
    peer = start_fedify_peer("tls", "--tls")

    parsed = fedify_lookup(peer.handle)

    assert parsed["webfinger"]["subject"] == f"acct:{peer.handle.removeprefix('@')}"
    assert parsed["type"] == "Person" and parsed["id"] == peer.actor
    assert parsed["publicKey"]["owner"] == peer.actor and parsed["publicKey"]["parsed"]


def test_signed_fetch_is_required_and_given(start_fedify_peer: PeerFactory) -> None:
    a = start_fedify_peer("a", "--require-signed-fetch")
    b = start_fedify_peer("b")

    unsigned = httpx.get(a.actor, headers={"accept": "application/activity+json"})
    sent = b.follow(a.actor)

    assert unsigned.status_code == 401
    assert a.wait_for_activity("Follow", lambda e: e["id"] == sent["id"])["verified"]
    fetches = [r for r in a.get("requests")["items"] if r["path"] == "/users/peer"]
    assert any(
        r["signature"]["keyId"] == f"{b.actor}#main-key" and r["status"] == 200 for r in fetches
    )


def test_integrity_proofs_are_sent_and_verified(start_fedify_peer: PeerFactory) -> None:
    a, b = start_fedify_peer("a"), start_fedify_peer("b", "--integrity-proofs")

    sent = b.create_note("<p>With a proof</p>", mention=a.actor)

    create = a.wait_for_activity("Create", lambda e: e["id"] == sent["id"])
    assert create["integrityProof"] and create["verified"], create
