"""Key pairs: generating RSA-2048 pairs, loading PEM, key ids, raw sign and verify.

Keys are created and loaded only when asked; nothing is read or cached at import.
Public keys may be RSA or Ed25519; the node's own keys are RSA (PKCS#8 / SPKI PEM).
Algorithms are named as in the RFC 9421 registry; HTTP-signature formats live elsewhere.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from node.errors import SignatureError

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

RSA_KEY_BITS = 2048
_PUBLIC_EXPONENT = 65537
RSA_V1_5_SHA256 = "rsa-v1_5-sha256"
RSA_PSS_SHA512 = "rsa-pss-sha512"
ED25519 = "ed25519"
ALGORITHMS = (RSA_V1_5_SHA256, RSA_PSS_SHA512, ED25519)
_PSS_SALT_BYTES = 64  # RFC 9421 section 3.3.1


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def generate_key_pair() -> KeyPair:
    """A fresh RSA-2048 pair: PKCS#8 private PEM and SPKI ("BEGIN PUBLIC KEY") PEM."""
    private_key = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS)
    private_pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return KeyPair(private_pem=private_pem.decode("ascii"), public_pem=public_pem.decode("ascii"))


def load_private_key(pem: str) -> PrivateKey:
    """An unencrypted RSA or Ed25519 private key from PEM (PKCS#8 or PKCS#1)."""
    try:
        key = serialization.load_pem_private_key(pem.strip().encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"not a usable PEM private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise SignatureError(f"unsupported private key type {type(key).__name__}")
    return key


def load_own_private_key(pem: str) -> PrivateKey:
    """A private key of this node's own actors, as its database keeps it, loaded to sign with.

    Without cryptography's RSA consistency check: it costs ~43 ms per 2048-bit key (a primality
    test), on the event loop, for every organisation's first delivery after a start, which held
    each hop of a cascade (a node of 67 organisations spent 7 of its 26 CPU-seconds on it).
    These keys are made by generate_key_pair and never come from the network; `solidarity-node
    check` loads each one with the check and signs and verifies with it.
    """
    try:
        key = serialization.load_pem_private_key(
            pem.strip().encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"not a usable PEM private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise SignatureError(f"unsupported private key type {type(key).__name__}")
    return key


def load_public_key(pem: str) -> PublicKey:
    """An RSA or Ed25519 public key from PEM (SPKI, or PKCS#1 "BEGIN RSA PUBLIC KEY")."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"not a usable PEM public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise SignatureError(
            f"unsupported public key type {type(key).__name__}: only RSA and Ed25519 are accepted"
        )
    return key


@functools.lru_cache(maxsize=4096)
def cached_public_key(pem: str) -> PublicKey:
    """load_public_key, memoised by PEM: the inbox verifies the same senders' keys again and
    again (a PEM that is not a key raises each time: errors are not cached)."""
    return load_public_key(pem)


def default_algorithm(key: PublicKey | PrivateKey) -> str:
    """The algorithm a bare key implies: PKCS#1 v1.5 with SHA-256 for RSA, else Ed25519."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return RSA_V1_5_SHA256
    return ED25519


def sign_bytes(private_key: PrivateKey, algorithm: str, data: bytes) -> bytes:
    if isinstance(private_key, rsa.RSAPrivateKey):
        if algorithm == RSA_V1_5_SHA256:
            return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        if algorithm == RSA_PSS_SHA512:
            return private_key.sign(data, _pss(), hashes.SHA512())
    elif algorithm == ED25519:
        return private_key.sign(data)
    raise SignatureError(f"cannot sign with {algorithm!r} using an {_kind(private_key)} key")


def verify_bytes(public_key: PublicKey, algorithm: str, data: bytes, signature: bytes) -> bool:
    """Whether signature is valid for data; SignatureError if key and algorithm do not fit."""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            if algorithm == RSA_V1_5_SHA256:
                public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
                return True
            if algorithm == RSA_PSS_SHA512:
                public_key.verify(signature, data, _pss(), hashes.SHA512())
                return True
        elif algorithm == ED25519:
            public_key.verify(signature, data)
            return True
    except InvalidSignature:
        return False
    raise SignatureError(f"cannot verify {algorithm!r} with an {_kind(public_key)} key")


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=_PSS_SALT_BYTES)


def _kind(key: PublicKey | PrivateKey) -> str:
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RSA"
    return "Ed25519"
