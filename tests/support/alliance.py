"""A fake ally for alliance-manifest tests: ally.test's instance actor (an Application with an
assertion key, FEP-521a) and the manifest it signs with eddsa-jcs-2022."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from node.activitypub import alliance_manifest, integrity
from node.activitypub.keys import generate_key_pair
from node.federation import alliances
from tests.support.actors import RemoteHost

ALLY = "https://ally.test"
MANIFEST = f"{ALLY}{alliances.PATH}"
SIGNER = f"{ALLY}/actor"
KEY_ID = f"{SIGNER}#ed25519-key"
RSA = generate_key_pair()


class FakeAlly:
    """ally.test: an instance actor (Application) with an assertion key (FEP-521a), and the
    manifest it signs."""

    def __init__(self, host: RemoteHost) -> None:
        self.host = host
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.serve_actor()

    def serve_actor(self, kind: str = "Application") -> None:
        self.host.objects[SIGNER] = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": SIGNER,
            "type": kind,
            "preferredUsername": "ally.test",
            "inbox": f"{SIGNER}/inbox",
            "publicKey": {
                "id": f"{SIGNER}#main-key",
                "owner": SIGNER,
                "publicKeyPem": RSA.public_pem,
            },
            "assertionMethod": [
                {
                    "id": KEY_ID,
                    "type": "Multikey",
                    "controller": SIGNER,
                    "publicKeyMultibase": integrity.encode_public(self.key.public_key()),
                }
            ],
        }

    def publish(self, domains: list[str], updated: datetime, **changes: Any) -> dict[str, Any]:
        signed = alliance_manifest.manifest_to_json(
            MANIFEST, SIGNER, KEY_ID, self.key, domains, updated
        )
        self.host.objects[MANIFEST] = signed | changes
        return signed
