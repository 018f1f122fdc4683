"""Signed JSON documents (the alliance manifest's proof): JCS canonicalisation as RFC 8785
writes it, signatures that verify, and any change to the document or the proof detected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from node.activitypub import manifest_signing as integrity
from node.activitypub.keys import generate_key_pair, load_private_key, load_public_key
from node.errors import SignatureError

KEYS = generate_key_pair()
WHEN = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
KEY_ID = "https://a.test/actor#main-key"


def test_jcs_sorts_keys_by_utf16_and_writes_no_whitespace() -> None:
    value = {"b": [1, True, None], "a": 'é\n"', "\U0001f600": 1, "\ue000": 2}
    # U+1F600 is a surrogate pair (0xD83D…) in UTF-16: it sorts before U+E000
    assert integrity.canonical(value) == (
        '{"a":"é\\n\\"","b":[1,true,null],"\U0001f600":1,"\ue000":2}'.encode()
    )
    with pytest.raises(SignatureError, match="integers only"):
        integrity.canonical({"x": 1.5})


def test_a_signed_document_verifies_and_any_change_is_detected() -> None:
    document = {"id": "https://a.test/m", "domains": ["b.test", "c.test"]}
    signed = integrity.sign(document, KEY_ID, load_private_key(KEYS.private_pem), WHEN)
    public = load_public_key(KEYS.public_pem)
    proof = integrity.verify(signed, public)
    assert (proof.key_id, proof.created) == (KEY_ID, "2026-11-21T12:00:00Z")
    assert signed["proof"]["proofValue"].startswith("u")
    reordered = dict(reversed(list(signed.items())))
    integrity.verify(reordered, public)  # key order does not matter
    tampered = {**signed, "domains": ["b.test", "c.test", "evil.test"]}
    with pytest.raises(SignatureError, match="does not verify"):
        integrity.verify(tampered, public)
    later = {**signed, "proof": {**signed["proof"], "created": "2030-01-01T00:00:00Z"}}
    with pytest.raises(SignatureError, match="does not verify"):
        integrity.verify(later, public)
    other = load_public_key(generate_key_pair().public_pem)
    with pytest.raises(SignatureError, match="does not verify"):
        integrity.verify(signed, other)


def test_a_proof_of_another_kind_is_refused_before_any_key_is_used() -> None:
    document = {"id": "https://a.test/m", "proof": {"type": "RsaSignature2017"}}
    with pytest.raises(SignatureError, match="DataIntegrityProof"):
        integrity.read_proof(document)
    with pytest.raises(SignatureError, match="no proof"):
        integrity.read_proof({"id": "https://a.test/m"})
