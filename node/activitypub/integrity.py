"""Object integrity proofs (FEP-8b32): eddsa-jcs-2022 Data Integrity proofs, made and checked.

Pure: JCS (RFC 8785) canonical JSON, SHA-256 and Ed25519, with keys as Multikeys (FEP-521a:
`publicKeyMultibase` is "z" + base58btc of the multicodec prefix 0xed01 and the raw 32-byte
key). A proof signs the hash of its own configuration followed by the hash of the document
without `proof`; its configuration carries the document's @context. A document holds at most
one proof of this suite; proofs of other suites are not ours to judge (ProofOf.none).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from node.activitypub.vocabulary import iso
from node.errors import SignatureError

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PURPOSE = "assertionMethod"
ED25519_PUBLIC = b"\xed\x01"  # multicodec ed25519-pub
ED25519_PRIVATE = b"\x80\x26"  # multicodec ed25519-priv
SIGNATURE_BYTES = 64
MAX_MULTIBASE = 128  # a 64-byte signature is 88 base58 characters at most
MAX_METHOD = 2048


@dataclass(frozen=True)
class Proof:
    """An eddsa-jcs-2022 proof as a document carries it."""

    verification_method: str
    config: dict[str, Any]  # the proof without proofValue
    signature: bytes


def encode_public(key: ed25519.Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_PUBLIC + raw).decode("ascii")


def decode_public(multibase: object) -> ed25519.Ed25519PublicKey:
    raw = _multibase(multibase, "publicKeyMultibase")
    if len(raw) != 34 or raw[:2] != ED25519_PUBLIC:
        raise SignatureError("publicKeyMultibase is not an Ed25519 Multikey")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])


def decode_private(multibase: str) -> ed25519.Ed25519PrivateKey:
    """A secret key as Multikey spells it (multicodec 0x8026): how test vectors give it."""
    raw = _multibase(multibase, "secretKeyMultibase")
    if len(raw) != 34 or raw[:2] != ED25519_PRIVATE:
        raise SignatureError("secretKeyMultibase is not an Ed25519 secret key")
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])


def generate() -> tuple[str, str]:
    """A new Ed25519 pair: the private key as PKCS#8 PEM and the public key as a Multikey."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii"), encode_public(key.public_key())


def load_private(pem: str) -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SignatureError("the assertion key is not an Ed25519 key")
    return key


def sign(
    document: dict[str, Any],
    key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """The document with a new proof (replacing any proof it had)."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": verification_method,
        "proofPurpose": PURPOSE,
        "created": iso(created),
    }
    if "@context" in unsigned:
        config = {"@context": unsigned["@context"], **config}
    signature = key.sign(hash_data(unsigned, config))
    value = "z" + base58.b58encode(signature).decode("ascii")
    return unsigned | {"proof": config | {"proofValue": value}}


def hash_data(unsigned: dict[str, Any], config: dict[str, Any]) -> bytes:
    """SHA-256 of the canonical proof configuration, then of the canonical document."""
    return _digest(config) + _digest(unsigned)


def proof_of(document: dict[str, Any]) -> Proof | None:
    """The document's eddsa-jcs-2022 proof; None when it has none of this suite.

    A proof of this suite that is malformed is a SignatureError: it claims an author and
    cannot be checked, so the document is refused rather than read as unsigned."""
    found = document.get("proof")
    candidates = found if isinstance(found, list) else [found]
    ours = [p for p in candidates if isinstance(p, dict) and p.get("cryptosuite") == CRYPTOSUITE]
    if not ours:
        return None
    if len(ours) > 1:
        raise SignatureError("more than one eddsa-jcs-2022 proof")
    proof = ours[0]
    if proof.get("type") != PROOF_TYPE or proof.get("proofPurpose") != PURPOSE:
        raise SignatureError("the proof is not a DataIntegrityProof for assertionMethod")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not 0 < len(method) <= MAX_METHOD:
        raise SignatureError("the proof's verificationMethod is not an IRI")
    signature = _multibase(proof.get("proofValue"), "proofValue")
    if len(signature) != SIGNATURE_BYTES:
        raise SignatureError("the proofValue is not an Ed25519 signature")
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    return Proof(method, config, signature)


def verify(document: dict[str, Any], proof: Proof, key: ed25519.Ed25519PublicKey) -> None:
    """Raises SignatureError unless `proof` (the document's own) signs `document`. A Linked
    Data signature beside it (`signature`, added after the proof) is left out, as FEP-8b32
    says."""
    unsigned = {k: v for k, v in document.items() if k not in ("proof", "signature")}
    context = proof.config.get("@context")
    if context is not None and not _starts_with(unsigned.get("@context"), context):
        raise SignatureError("the proof's @context is not the document's")
    try:
        key.verify(proof.signature, hash_data(unsigned, proof.config))
    except InvalidSignature:
        raise SignatureError("the integrity proof does not verify") from None


def _digest(value: dict[str, Any]) -> bytes:
    try:
        canonical = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, RecursionError) as exc:
        raise SignatureError(f"the document has no canonical JSON form: {exc}") from None
    return hashlib.sha256(canonical).digest()


def _multibase(value: object, name: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) > MAX_MULTIBASE:
        raise SignatureError(f"{name} is not base58btc multibase")
    try:
        return base58.b58decode(value[1:])
    except ValueError:
        raise SignatureError(f"{name} is not base58btc multibase") from None


def _starts_with(context: object, prefix: object) -> bool:
    """Data Integrity: the document's @context starts with the proof's, in order."""
    have = context if isinstance(context, list) else [context]
    want = prefix if isinstance(prefix, list) else [prefix]
    return have[: len(want)] == want
