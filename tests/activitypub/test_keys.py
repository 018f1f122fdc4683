"""Key pairs: generation, PEM formats, loading (and refusing) keys, key ids."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from node.activitypub.keys import (
    ED25519,
    RSA_PSS_SHA512,
    RSA_V1_5_SHA256,
    generate_key_pair,
    load_private_key,
    load_public_key,
    sign_bytes,
    verify_bytes,
)
from node.errors import SignatureError
from node.urls import key_id

# RFC 9421 Appendix B.1.4, test-key-ed25519.
ED25519_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
ED25519_PRIVATE_PEM = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""


def test_generated_pair_is_rsa_2048_in_pkcs8_and_spki_pem() -> None:
    pair = generate_key_pair()

    assert pair.private_pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert pair.public_pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    private_key = load_private_key(pair.private_pem)
    public_key = load_public_key(pair.public_pem)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert private_key.key_size == 2048
    assert public_key.public_numbers() == private_key.public_key().public_numbers()


def test_generated_pairs_differ() -> None:
    assert generate_key_pair().public_pem != generate_key_pair().public_pem


def test_key_pair_is_frozen() -> None:
    pair = generate_key_pair()
    with pytest.raises(AttributeError):
        pair.public_pem = "x"  # type: ignore[misc]


def test_ed25519_keys_load() -> None:
    assert isinstance(load_public_key(ED25519_PUBLIC_PEM), ed25519.Ed25519PublicKey)
    assert isinstance(load_private_key(ED25519_PRIVATE_PEM), ed25519.Ed25519PrivateKey)


def test_public_pem_with_surrounding_whitespace_loads() -> None:
    pem = generate_key_pair().public_pem
    assert isinstance(load_public_key(f"\n  {pem}\n\n"), rsa.RSAPublicKey)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not a key",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQ\n-----END PUBLIC KEY-----\n",
        "clé publique ✊",
    ],
)
def test_garbage_public_key_is_refused_clearly(garbage: str) -> None:
    with pytest.raises(SignatureError, match="not a usable PEM public key"):
        load_public_key(garbage)


def test_private_key_given_as_public_is_refused() -> None:
    with pytest.raises(SignatureError, match="not a usable PEM public key"):
        load_public_key(generate_key_pair().private_pem)


def test_garbage_private_key_is_refused_clearly() -> None:
    with pytest.raises(SignatureError, match="not a usable PEM private key"):
        load_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_ec_public_key_is_refused_as_unsupported() -> None:
    # RFC 9421 Appendix B.1.3, test-key-ecc-p256: valid PEM, but not a key type we accept.
    pem = (
        "-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf\n"
        "w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==\n"
        "-----END PUBLIC KEY-----\n"
    )
    with pytest.raises(SignatureError, match="only RSA and Ed25519"):
        load_public_key(pem)


def test_key_id_is_the_actor_iri_with_main_key_fragment() -> None:
    actor = "https://node.example/actors/alice"
    assert key_id(actor) == "https://node.example/actors/alice#main-key"


@pytest.mark.parametrize("algorithm", [RSA_V1_5_SHA256, RSA_PSS_SHA512])
def test_rsa_sign_and_verify_bytes(algorithm: str) -> None:
    pair = generate_key_pair()
    private_key, public_key = load_private_key(pair.private_pem), load_public_key(pair.public_pem)
    signature = sign_bytes(private_key, algorithm, b"solidarity")

    assert verify_bytes(public_key, algorithm, b"solidarity", signature)
    assert not verify_bytes(public_key, algorithm, b"solidarity!", signature)


def test_key_and_algorithm_must_fit() -> None:
    rsa_key = load_private_key(generate_key_pair().private_pem)
    with pytest.raises(SignatureError, match="cannot sign with 'ed25519' using an RSA key"):
        sign_bytes(rsa_key, ED25519, b"x")
    with pytest.raises(SignatureError, match="cannot verify 'rsa-v1_5-sha256' with an Ed25519"):
        verify_bytes(load_public_key(ED25519_PUBLIC_PEM), RSA_V1_5_SHA256, b"x", b"sig")
