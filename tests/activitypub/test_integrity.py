"""Object integrity proofs (eddsa-jcs-2022) against the W3C and FEP-8b32 test vectors, and
every way a proof can be wrong: tampered document, wrong key, malformed proof."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from node.activitypub import integrity
from node.errors import SignatureError

VECTORS = Path(__file__).parent / "vectors"
W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_SIGNATURE_HEX = (
    "407cd12654b33d718ecbb99179a1506daaa849450bf3fc523cce3e1c96f8b803"
    "51da3f253d725c6f00b07c9e5448d50b3ef78012b9ab54255116d069c6dd2808"
)
W3C_HASH_HEX = (
    "66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db"
    "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
)
FEP_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
FEP_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/data-integrity/v2",
]
FEP_DOCUMENT: dict[str, Any] = {
    "@context": FEP_CONTEXT,
    "id": "https://server.example/activities/1",
    "type": "Create",
    "actor": "https://server.example/users/alice",
    "object": {
        "id": "https://server.example/objects/1",
        "type": "Note",
        "attributedTo": "https://server.example/users/alice",
        "content": "Hello world",
        "location": {"type": "Place", "longitude": -71.184902, "latitude": 25.273962},
    },
}
FEP_PROOF_VALUE = (
    "z42ffGu6AUKPCFcFPiabmUvnGLPJzC7e4DGWC52NUasSSH37UMa9c58tdgVszUcZfytxa4fQ5TYHaJENCxUDe9SdL"
)
FEP_KEY = "https://server.example/users/alice#ed25519-key"
FEP_CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)


def w3c_signed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((VECTORS / "vc-di-eddsa-signed-jcs.json").read_text())
    return document


def test_the_w3c_vector_hashes_and_verifies() -> None:
    signed = w3c_signed()
    proof = integrity.proof_of(signed)
    assert proof is not None and proof.signature.hex() == W3C_SIGNATURE_HEX
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    assert integrity.hash_data(unsigned, proof.config).hex() == W3C_HASH_HEX
    integrity.verify(signed, proof, integrity.decode_public(W3C_PUBLIC))


def test_signing_the_fep_document_gives_the_fep_proof() -> None:
    key = integrity.decode_private(FEP_SECRET)
    signed = integrity.sign(FEP_DOCUMENT, key, FEP_KEY, FEP_CREATED)
    assert signed["proof"] == {
        "@context": FEP_CONTEXT,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": FEP_KEY,
        "proofPurpose": "assertionMethod",
        "created": "2023-02-24T23:36:38Z",
        "proofValue": FEP_PROOF_VALUE,
    }
    assert integrity.encode_public(key.public_key()) == W3C_PUBLIC  # the FEP uses that key too
    proof = integrity.proof_of(signed)
    assert proof is not None
    integrity.verify(signed, proof, key.public_key())


def signed_fep() -> dict[str, Any]:
    return integrity.sign(FEP_DOCUMENT, integrity.decode_private(FEP_SECRET), FEP_KEY, FEP_CREATED)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["object"].__setitem__("content", "Hello world!"),
        lambda d: d.__setitem__("to", ["https://www.w3.org/ns/activitystreams#Public"]),
        lambda d: d["proof"].__setitem__("created", "2023-02-24T23:36:39Z"),
        lambda d: d["proof"].__setitem__("verificationMethod", "https://server.example/k"),
        lambda d: d.__setitem__("@context", FEP_CONTEXT[:1]),
    ],
    ids=["content", "addressing", "created", "method", "context"],
)
def test_a_tampered_document_or_proof_is_refused(tamper: Any) -> None:
    signed = signed_fep()
    tamper(signed)
    proof = integrity.proof_of(signed)
    assert proof is not None
    with pytest.raises(SignatureError):
        integrity.verify(signed, proof, integrity.decode_public(W3C_PUBLIC))


def test_another_key_does_not_verify() -> None:
    signed = signed_fep()
    proof = integrity.proof_of(signed)
    assert proof is not None
    _, other = integrity.generate()
    with pytest.raises(SignatureError, match="does not verify"):
        integrity.verify(signed, proof, integrity.decode_public(other))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"proofValue": "2HnF"}, "multibase"),
        ({"proofValue": "z" + "1" * 200}, "multibase"),
        ({"proofValue": "z3sXaxjKs4M3BRic"}, "not an Ed25519 signature"),
        ({"proofValue": "z0OIl"}, "multibase"),
        ({"proofPurpose": "authentication"}, "assertionMethod"),
        ({"type": "Ed25519Signature2020"}, "DataIntegrityProof"),
        ({"verificationMethod": ""}, "IRI"),
    ],
)
def test_a_malformed_proof_of_this_suite_is_refused(change: dict[str, str], message: str) -> None:
    signed = signed_fep()
    signed["proof"] |= change
    with pytest.raises(SignatureError, match=message):
        integrity.proof_of(signed)


def test_other_suites_and_no_proof_are_not_ours_to_judge() -> None:
    assert integrity.proof_of(FEP_DOCUMENT) is None
    other = FEP_DOCUMENT | {"proof": {"type": "DataIntegrityProof", "cryptosuite": "x-2099"}}
    assert integrity.proof_of(other) is None
    twice = signed_fep()
    twice["proof"] = [twice["proof"], twice["proof"]]
    with pytest.raises(SignatureError, match="more than one"):
        integrity.proof_of(twice)


def test_keys_round_trip_and_wrong_multikeys_are_refused() -> None:
    pem, public = integrity.generate()
    key = integrity.load_private(pem)
    assert integrity.encode_public(key.public_key()) == public
    for bad in ("z6Mk", "f" + public[1:], 7, "z" + "2" * 47):
        with pytest.raises(SignatureError):
            integrity.decode_public(bad)


def test_values_without_a_canonical_form_are_refused() -> None:
    key = integrity.decode_private(FEP_SECRET)
    with pytest.raises(SignatureError, match="canonical"):
        integrity.sign(FEP_DOCUMENT | {"big": 2**60}, key, FEP_KEY, FEP_CREATED)


def test_a_linked_data_signature_added_after_the_proof_is_left_out() -> None:
    signed = signed_fep() | {"signature": {"type": "RsaSignature2017", "signatureValue": "x"}}
    proof = integrity.proof_of(signed)
    assert proof is not None
    integrity.verify(signed, proof, integrity.decode_public(W3C_PUBLIC))
