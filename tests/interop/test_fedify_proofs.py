"""Object integrity proofs (FEP-8b32) both ways with a Fedify peer, which implements FEP-8b32
and FEP-521a: Fedify verifies a proof made by an organisation of this node, and this node
verifies a proof Fedify made. Each proof is the only thing that authenticates its activity:
it is posted without an HTTP signature, so nothing else could have let it in.
"""

from __future__ import annotations

import json
import ssl
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import integrity
from node.storage import actors
from tests.interop.interop_harness import FedifyPeer, Json, LiveNode, PeerFactory
from tests.interop.node_state import read_database

pytestmark = pytest.mark.interop
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
SIGNED_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/data-integrity/v1",
]
HEADERS = {"Content-Type": "application/activity+json"}


def assertion_key(node: LiveNode, org: str) -> str:
    async def work(session: AsyncSession) -> str:
        actor = await actors.by_username(session, org)
        assert actor.assertion_private_pem is not None
        return actor.assertion_private_pem

    return read_database(node, work)


def create_by(actor: str, peer: FedifyPeer, content: str) -> Json:
    """A public Create(Note) by `actor`, addressed to the peer's actor."""
    key = uuid.uuid4().hex
    return {
        "@context": SIGNED_CONTEXT,
        "id": f"{actor}#create-{key}",
        "type": "Create",
        "actor": actor,
        "to": [PUBLIC, peer.actor],
        "object": {
            "id": f"{actor}#note-{key}",
            "type": "Note",
            "attributedTo": actor,
            "content": content,
            "to": [PUBLIC, peer.actor],
            "tag": [{"type": "Mention", "href": peer.actor}],
        },
    }


def post_unsigned(url: str, activity: Json, *, verify: Any = True) -> httpx.Response:
    return httpx.post(url, content=json.dumps(activity), headers=HEADERS, verify=verify, timeout=30)


def test_fedify_verifies_a_proof_made_by_an_organisation(
    live_node: LiveNode, fedify_peer: FedifyPeer
) -> None:
    alpha = live_node.actors["alpha"]
    key = integrity.load_private(assertion_key(live_node, "alpha"))
    now = datetime.now(UTC)
    signed = integrity.sign(
        create_by(alpha, fedify_peer, "<p>Signed</p>"), key, f"{alpha}#ed25519-key", now
    )
    tampered = json.loads(json.dumps(signed))
    tampered["object"]["content"] = "<p>Forged</p>"
    inbox = f"{fedify_peer.actor}/inbox"

    forged = post_unsigned(inbox, tampered | {"id": signed["id"] + "-forged"})
    taken = post_unsigned(inbox, signed)

    assert forged.status_code >= 400, forged.text
    assert 200 <= taken.status_code < 300, taken.text
    entry = fedify_peer.wait_for_activity("Create", lambda e: e["id"] == signed["id"])
    assert (
        entry["integrityProof"] and entry["verified"] and not entry["httpSignature"]["verified"]
    ), entry


def test_the_node_verifies_a_proof_fedify_made(
    live_node: LiveNode, start_fedify_peer: PeerFactory
) -> None:
    witness, signer = start_fedify_peer("a"), start_fedify_peer("b", "--integrity-proofs")
    sent = signer.create_note("<p>From a Fedify server, with a proof</p>", mention=witness.actor)
    received = witness.wait_for_activity("Create", lambda e: e["id"] == sent["id"])
    activity: Json = received["activity"]
    assert activity["proof"]["cryptosuite"] == "eddsa-jcs-2022", activity
    trust = ssl.create_default_context(cafile=str(live_node.ca))
    shared = f"{live_node.base_url}/inbox"
    tampered = json.loads(json.dumps(activity))
    tampered["object"]["content"] = "<p>Forged</p>"

    forged = post_unsigned(shared, tampered, verify=trust)
    taken = post_unsigned(shared, activity, verify=trust)

    assert forged.status_code == 401, forged.text
    assert "does not verify" in forged.json()["error"]
    assert taken.status_code == 202, taken.text
