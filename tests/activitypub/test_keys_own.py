"""load_own_private_key: the node's own keys, loaded to sign with (without cryptography's
slow RSA consistency check, which `solidarity-node check` still runs on every key)."""

from __future__ import annotations

import pytest

from node.activitypub.keys import (
    RSA_V1_5_SHA256,
    generate_key_pair,
    load_own_private_key,
    load_private_key,
    load_public_key,
    sign_bytes,
    verify_bytes,
)
from node.errors import SignatureError


def test_a_generated_key_signs_what_its_public_key_verifies() -> None:
    pair = generate_key_pair()
    own = load_own_private_key(pair.private_pem)
    proof = sign_bytes(own, RSA_V1_5_SHA256, b"a call")
    assert verify_bytes(load_public_key(pair.public_pem), RSA_V1_5_SHA256, b"a call", proof)
    checked = load_private_key(pair.private_pem)  # the same key as the checked loader reads it
    assert own.private_numbers() == checked.private_numbers()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "pem", ["", "not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"]
)
def test_what_is_not_a_key_is_refused(pem: str) -> None:
    with pytest.raises(SignatureError):
        load_own_private_key(pem)


def test_a_public_key_is_not_a_private_one() -> None:
    with pytest.raises(SignatureError):
        load_own_private_key(generate_key_pair().public_pem)
