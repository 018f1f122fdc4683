"""Names of the wire format: the node's JSON-LD context, media types, the public collection.

DESIGN §2 fixes the `sn:` terms; the Mastodon terms beside them are those its actors use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

AS2: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_V1: Final = "https://w3id.org/security/v1"
SN_NAMESPACE: Final = "https://w3id.org/solidarity-node/ns#"
PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"

AS2_MEDIA_TYPE: Final = "application/activity+json"
LD_MEDIA_TYPE: Final = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_MEDIA_TYPE: Final = "application/jrd+json"

NODE_TERMS: Final[dict[str, Any]] = {
    "sn": SN_NAMESPACE,
    "Hashtag": "as:Hashtag",
    "sensitive": "as:sensitive",
    "kind": "sn:kind",
    "title": "sn:title",
    "urgency": "sn:urgency",
    "deadline": {"@id": "sn:deadline", "@type": "xsd:dateTime"},
    "regions": "sn:regions",
    "themes": "sn:themes",
    "actions": "sn:actions",
    "via": {"@id": "sn:via", "@type": "@id"},
    "hop": "sn:hop",
    "maxHops": "sn:maxHops",
    "pledge": "sn:pledge",
    "circle": "sn:circle",
    "attestedAuthor": "sn:attestedAuthor",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "blurhash": "toot:blurhash",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "webfinger": {
        "@id": "https://purl.archive.org/socialweb/webfinger#webfinger",
        "@type": "xsd:string",
    },
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

CONTEXT: Final[list[Any]] = [AS2, SECURITY_V1, NODE_TERMS]

# Signed objects (FEP-8b32) and actors with assertion keys (FEP-521a) name the contexts that
# define their proof and Multikey terms, so JSON-LD readers (Fedify) find them.
DATA_INTEGRITY: Final = "https://w3id.org/security/data-integrity/v1"
DID_V1: Final = "https://www.w3.org/ns/did/v1"
MULTIKEY: Final = "https://w3id.org/security/multikey/v1"
SIGNED_CONTEXT: Final[list[Any]] = [AS2, SECURITY_V1, DATA_INTEGRITY, NODE_TERMS]
ACTOR_CONTEXT: Final[list[Any]] = [AS2, SECURITY_V1, DATA_INTEGRITY, DID_V1, MULTIKEY, NODE_TERMS]


def iso(moment: datetime) -> str:
    """A moment as AS2 writes xsd:dateTime: UTC, whole seconds, with Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
