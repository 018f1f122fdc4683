"""Alliance manifests: the document in which a node lists the domains it is allied with,
signed by its instance actor's assertion key (an eddsa-jcs-2022 proof, see integrity.py), and
what a subscriber reads of one.

Shape: {"@context", "id" (its URL), "type": "AllianceManifest", "attributedTo" (the instance
actor), "updated", "domains": [...], "proof"}. A manifest is read only if its id is the URL it
was fetched from, its signer is on that URL's origin, and its proof names a key of that signer.
Pure; the signature itself is checked (integrity.verify) once the signer's key is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag

from cryptography.hazmat.primitives.asymmetric import ed25519

from node.activitypub import integrity
from node.activitypub.vocabulary import AS2, SN_NAMESPACE, iso
from node.errors import JsonLdError, OriginMismatch, SignatureError
from node.urls import same_origin

MANIFEST_TYPE = "AllianceManifest"
MAX_DOMAINS = 10_000
MAX_DOMAIN = 261
CONTEXT = [AS2, {"sn": SN_NAMESPACE, MANIFEST_TYPE: "sn:AllianceManifest", "domains": "sn:domains"}]


def manifest_to_json(
    url: str,
    signer: str,
    key_id: str,
    private_key: ed25519.Ed25519PrivateKey,
    domains: list[str],
    updated: datetime,
) -> dict[str, Any]:
    """The manifest, signed by `key_id` (the signer's assertion key); the proof is dated
    `updated`, so the same allowlist always gives the same bytes."""
    document = {
        "@context": CONTEXT,
        "id": url,
        "type": MANIFEST_TYPE,
        "attributedTo": signer,
        "updated": iso(updated),
        "domains": sorted(domains)[:MAX_DOMAINS],
    }
    return integrity.sign(document, private_key, key_id, updated)


@dataclass(frozen=True)
class ManifestView:
    url: str
    signer: str
    proof: integrity.Proof
    updated: datetime
    domains: tuple[str, ...]
    problems: tuple[str, ...]  # entries that are not domain names, left out

    @property
    def key_id(self) -> str:
        return self.proof.verification_method


def read_manifest(document: dict[str, Any], url: str) -> ManifestView:
    """Read a fetched manifest; JsonLdError or OriginMismatch when it cannot be one from `url`."""
    if document.get("type") != MANIFEST_TYPE:
        raise JsonLdError(f"{url} is not an {MANIFEST_TYPE}")
    if document.get("id") != url:
        raise OriginMismatch(f"{url} serves a manifest whose id is {document.get('id')!r}")
    signer = document.get("attributedTo")
    if not isinstance(signer, str) or not same_origin(signer, url):
        raise OriginMismatch(f"the manifest at {url} is not attributed to an actor of its origin")
    proof = integrity.proof_of(document)
    if proof is None:
        raise SignatureError(f"the manifest at {url} has no {integrity.CRYPTOSUITE} proof")
    method = proof.verification_method
    if urldefrag(method).url != signer:
        raise OriginMismatch(f"the manifest at {url} is signed by {method}, not {signer}")
    updated = _moment(document.get("updated"), url)
    listed = document.get("domains")
    if not isinstance(listed, list):
        raise JsonLdError(f"the manifest at {url} has no list of domains")
    if len(listed) > MAX_DOMAINS:
        raise JsonLdError(f"the manifest at {url} lists over {MAX_DOMAINS} domains")
    domains = tuple(d for d in listed if isinstance(d, str) and 0 < len(d) <= MAX_DOMAIN)
    problems = tuple(repr(d)[:80] for d in listed if not isinstance(d, str) or d not in domains)
    return ManifestView(url, signer, proof, updated, domains, problems)


def _moment(value: object, url: str) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment
    raise JsonLdError(f"the manifest at {url} has no usable 'updated' time")
