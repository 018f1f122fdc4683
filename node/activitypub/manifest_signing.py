"""Signed JSON documents: a `proof` in the shape of W3C Data Integrity, made the way
eddsa-jcs-2022 (FEP-8b32) makes it, but with an RSA key, since instance actors' keys are RSA.

Signing: the proof options (type, cryptosuite, verificationMethod, proofPurpose, created) and
the document without `proof` are each canonicalised with JCS (RFC 8785) and hashed with
SHA-256; the 64 bytes options-hash || document-hash are signed RSASSA-PKCS1-v1_5 with SHA-256;
`proofValue` is that signature in multibase base64url without padding ('u' prefix). Verifying
rebuilds the same bytes. Pure; numbers must be integers (JCS's float rules are not needed).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from node.activitypub.keys import RSA_V1_5_SHA256, PrivateKey, PublicKey, sign_bytes, verify_bytes
from node.activitypub.vocabulary import iso
from node.errors import SignatureError

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "sn-rsa-jcs-2025"
PURPOSE = "assertionMethod"
MAX_DEPTH = 32


def canonical(value: Any) -> bytes:
    """RFC 8785 JSON canonicalisation of a document of strings, integers, booleans, null,
    lists and objects (keys sorted by UTF-16 code units)."""
    return _text(value, 0).encode("utf-8")


def _text(value: Any, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise SignatureError("the document is nested too deeply to canonicalise")
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: str(k).encode("utf-16-be"))
        members = (f"{_string(str(k))}:{_text(value[k], depth + 1)}" for k in keys)
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_text(item, depth + 1) for item in value) + "]"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    raise SignatureError(f"cannot canonicalise a {type(value).__name__} (integers only)")


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _hash_data(options: dict[str, Any], document: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return (
        hashlib.sha256(canonical(options)).digest() + hashlib.sha256(canonical(unsigned)).digest()
    )


def sign(
    document: dict[str, Any], key_id: str, private_key: PrivateKey, created: datetime
) -> dict[str, Any]:
    """A copy of the document with its proof, by the key `key_id` names."""
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": key_id,
        "proofPurpose": PURPOSE,
        "created": iso(created),
    }
    signature = sign_bytes(private_key, RSA_V1_5_SHA256, _hash_data(options, document))
    value = "u" + base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
    return {**document, "proof": {**options, "proofValue": value}}


@dataclass(frozen=True)
class Proof:
    key_id: str
    created: str
    options: dict[str, Any]
    signature: bytes


def read_proof(document: dict[str, Any]) -> Proof:
    """The document's proof, checked for shape (not yet for its signature)."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise SignatureError("the document has no proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise SignatureError(f"the proof is not a {PROOF_TYPE} of {CRYPTOSUITE}")
    if proof.get("proofPurpose") != PURPOSE:
        raise SignatureError(f"the proof's purpose is not {PURPOSE}")
    key_id, created, value = (
        proof.get("verificationMethod"),
        proof.get("created"),
        proof.get("proofValue"),
    )
    if not isinstance(key_id, str) or not isinstance(created, str) or not isinstance(value, str):
        raise SignatureError("the proof lacks verificationMethod, created or proofValue")
    if not value.startswith("u"):
        raise SignatureError("the proofValue is not multibase base64url")
    try:
        signature = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
    except ValueError as exc:
        raise SignatureError("the proofValue is not base64url") from exc
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    return Proof(key_id, created, options, signature)


def verify(document: dict[str, Any], public_key: PublicKey) -> Proof:
    """The proof, when it verifies with this key; SignatureError otherwise."""
    proof = read_proof(document)
    if not verify_bytes(
        public_key, RSA_V1_5_SHA256, _hash_data(proof.options, document), proof.signature
    ):
        raise SignatureError(f"the proof by {proof.key_id} does not verify: the document changed")
    return proof
