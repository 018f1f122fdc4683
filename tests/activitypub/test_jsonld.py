"""JsonLdProcessor: bundled contexts, the offline loader, the fast path, pyld's path, peers' shapes.

The peer documents keep the shapes those servers send (contexts and keys as captured from
Mastodon 4.3, Misskey 2026.3, GoToSocial 0.22 and Pleroma 2.10), with example hosts.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from node.activitypub.jsonld import (
    AS2_CONTEXT,
    EXTENSIONS_CONTEXT,
    MAX_DEPTH,
    NODE_CONTEXT,
    PUBLIC,
    SECURITY_CONTEXT,
    JsonLdProcessor,
)
from node.errors import JsonLdError

PEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----\n"

DESIGN_TERMS: dict[str, Any] = {
    "sn": "https://w3id.org/solidarity-node/ns#",
    "Hashtag": "as:Hashtag",
    "sensitive": "as:sensitive",
    "kind": "sn:kind",
    "urgency": "sn:urgency",
    "deadline": {"@id": "sn:deadline", "@type": "xsd:dateTime"},
    "regions": "sn:regions",
    "themes": "sn:themes",
    "actions": "sn:actions",
    "via": {"@id": "sn:via", "@type": "@id"},
    "hop": "sn:hop",
    "maxHops": "sn:maxHops",
    "pledge": "sn:pledge",
}
DESIGN_CONTEXT = [AS2_CONTEXT, SECURITY_CONTEXT, DESIGN_TERMS]

MASTODON_CREATE_NOTE: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
            "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "votersCount": "toot:votersCount",
            "blurhash": "toot:blurhash",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
            "Hashtag": "as:Hashtag",
        },
        "https://w3id.org/security/v1",
    ],
    "id": "https://mastodon.example/users/alice/statuses/117074527616629378/activity",
    "type": "Create",
    "actor": "https://mastodon.example/users/alice",
    "published": "2026-08-11T02:32:01Z",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://mastodon.example/users/alice/followers", "https://node.example/users/kitchen"],
    "object": {
        "id": "https://mastodon.example/users/alice/statuses/117074527616629378",
        "type": "Note",
        "summary": None,
        "inReplyTo": "https://node.example/objects/call-1",
        "published": "2026-08-11T02:32:01Z",
        "url": "https://mastodon.example/@alice/117074527616629378",
        "attributedTo": "https://mastodon.example/users/alice",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [
            "https://mastodon.example/users/alice/followers",
            "https://node.example/users/kitchen",
        ],
        "sensitive": False,
        "atomUri": "https://mastodon.example/users/alice/statuses/117074527616629378",
        "inReplyToAtomUri": "https://node.example/objects/call-1",
        "conversation": "tag:mastodon.example,2026-08-11:objectId=1041:objectType=Conversation",
        "content": '<p><span class="h-card"><a href="https://node.example/@kitchen">@kitchen</a>'
        "</span> We can bring 40 meals on Saturday. <a href="
        '"https://mastodon.example/tags/mutualaid">#mutualaid</a></p>',
        "contentMap": {"en": "<p>We can bring 40 meals on Saturday.</p>"},
        "attachment": [
            {
                "type": "Document",
                "mediaType": "image/jpeg",
                "url": "https://files.mastodon.example/media/original/a1.jpg",
                "name": "Crates of vegetables",
                "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
                "focalPoint": [0.0, 0.0],
                "width": 1200,
                "height": 800,
            }
        ],
        "tag": [
            {
                "type": "Mention",
                "href": "https://node.example/users/kitchen",
                "name": "@kitchen@node.example",
            },
            {
                "type": "Hashtag",
                "href": "https://mastodon.example/tags/mutualaid",
                "name": "#mutualaid",
            },
        ],
        "replies": {
            "id": "https://mastodon.example/users/alice/statuses/117074527616629378/replies",
            "type": "Collection",
            "first": {
                "type": "CollectionPage",
                "next": "https://mastodon.example/users/alice/statuses/117074527616629378/replies?page=true",
                "partOf": "https://mastodon.example/users/alice/statuses/117074527616629378/replies",
                "items": [],
            },
        },
        "likes": {
            "id": "https://mastodon.example/users/alice/statuses/117074527616629378/likes",
            "type": "Collection",
            "totalItems": 0,
        },
    },
    "signature": {
        "type": "RsaSignature2017",
        "creator": "https://mastodon.example/users/alice#main-key",
        "created": "2026-08-11T02:32:01Z",
        "signatureValue": "BjjcQB/N7zJrBoe4M4qRVOMUlPzeslwNd3RUPM9JTdZtVLliLnsov1UWj6ukZVps==",
    },
}

# Mastodon 4.2's actor context, with the device (olm) terms; "EncryptedMessage" there clashes
# with security v1's, so this one goes through pyld.
MASTODON_ACTOR: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "movedTo": {"@id": "as:movedTo", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "discoverable": "toot:discoverable",
            "Device": "toot:Device",
            "Ed25519Signature": "toot:Ed25519Signature",
            "Ed25519Key": "toot:Ed25519Key",
            "Curve25519Key": "toot:Curve25519Key",
            "EncryptedMessage": "toot:EncryptedMessage",
            "publicKeyBase64": "toot:publicKeyBase64",
            "deviceId": "toot:deviceId",
            "claim": {"@type": "@id", "@id": "toot:claim"},
            "fingerprintKey": {"@type": "@id", "@id": "toot:fingerprintKey"},
            "identityKey": {"@type": "@id", "@id": "toot:identityKey"},
            "devices": {"@type": "@id", "@id": "toot:devices"},
            "messageFranking": "toot:messageFranking",
            "messageType": "toot:messageType",
            "cipherText": "toot:cipherText",
            "suspended": "toot:suspended",
            "memorial": "toot:memorial",
            "indexable": "toot:indexable",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        },
    ],
    "id": "https://mastodon.example/users/alice",
    "type": "Person",
    "following": "https://mastodon.example/users/alice/following",
    "followers": "https://mastodon.example/users/alice/followers",
    "inbox": "https://mastodon.example/users/alice/inbox",
    "outbox": "https://mastodon.example/users/alice/outbox",
    "featured": "https://mastodon.example/users/alice/collections/featured",
    "featuredTags": "https://mastodon.example/users/alice/collections/tags",
    "preferredUsername": "alice",
    "name": "Alice 🎙️",
    "summary": "",
    "url": "https://mastodon.example/@alice",
    "manuallyApprovesFollowers": True,
    "discoverable": True,
    "indexable": False,
    "published": "2023-08-02T00:00:00Z",
    "memorial": False,
    "devices": "https://mastodon.example/users/alice/collections/devices",
    "publicKey": {
        "id": "https://mastodon.example/users/alice#main-key",
        "owner": "https://mastodon.example/users/alice",
        "publicKeyPem": PEM,
    },
    "tag": [],
    "attachment": [
        {"type": "PropertyValue", "name": "Website", "value": "https://alice.example"},
        {"type": "PropertyValue", "name": "Pronouns", "value": "she/her"},
    ],
    "endpoints": {"sharedInbox": "https://mastodon.example/inbox"},
    "icon": {
        "type": "Image",
        "mediaType": "image/png",
        "url": "https://files.mastodon.example/accounts/avatars/original/f8d8.png",
    },
}

MISSKEY_CREATE_NOTE: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "Key": "sec:Key",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "quoteUrl": "as:quoteUrl",
            "toot": "http://joinmastodon.org/ns#",
            "Emoji": "toot:Emoji",
            "featured": "toot:featured",
            "discoverable": "toot:discoverable",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "misskey": "https://misskey-hub.net/ns#",
            "_misskey_content": "misskey:_misskey_content",
            "_misskey_quote": "misskey:_misskey_quote",
            "_misskey_reaction": "misskey:_misskey_reaction",
            "_misskey_votes": "misskey:_misskey_votes",
            "_misskey_summary": "misskey:_misskey_summary",
            "_misskey_followedMessage": "misskey:_misskey_followedMessage",
            "_misskey_requireSigninToViewContents": "misskey:_misskey_requireSigninToViewContents",
            "_misskey_makeNotesFollowersOnlyBefore": (
                "misskey:_misskey_makeNotesFollowersOnlyBefore"
            ),
            "_misskey_makeNotesHiddenBefore": "misskey:_misskey_makeNotesHiddenBefore",
            "_misskey_license": "misskey:_misskey_license",
            "freeText": {"@id": "misskey:freeText", "@type": "schema:text"},
            "isCat": "misskey:isCat",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
        },
    ],
    "id": "https://misskey.example/notes/aprn0hr809/activity",
    "actor": "https://misskey.example/users/9bdgn9zxoi",
    "type": "Create",
    "published": "2026-08-11T03:00:40.292Z",
    "object": {
        "id": "https://misskey.example/notes/aprn0hr809",
        "type": "Note",
        "attributedTo": "https://misskey.example/users/9bdgn9zxoi",
        "content": '<p><a href="https://node.example/@kitchen" class="u-url mention">'
        "@kitchen@node.example</a> boosting this :blobheart:</p>",
        "_misskey_content": "@kitchen@node.example boosting this :blobheart:",
        "source": {
            "content": "@kitchen@node.example boosting this :blobheart:",
            "mediaType": "text/x.misskeymarkdown",
        },
        "_misskey_quote": "https://node.example/objects/call-1",
        "quoteUrl": "https://node.example/objects/call-1",
        "published": "2026-08-11T03:00:40.292Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [
            "https://misskey.example/users/9bdgn9zxoi/followers",
            "https://node.example/users/kitchen",
        ],
        "inReplyTo": None,
        "attachment": [],
        "sensitive": False,
        "tag": [
            {
                "type": "Mention",
                "href": "https://node.example/users/kitchen",
                "name": "@kitchen@node.example",
            },
            {
                "id": "https://misskey.example/emojis/blobheart",
                "type": "Emoji",
                "name": ":blobheart:",
                "updated": "2024-05-01T10:00:00.000Z",
                "icon": {
                    "type": "Image",
                    "mediaType": "image/png",
                    "url": "https://misskey.example/files/blobheart.png",
                },
            },
        ],
    },
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": [
        "https://misskey.example/users/9bdgn9zxoi/followers",
        "https://node.example/users/kitchen",
    ],
}

GOTOSOCIAL_CREATE_NOTE: dict[str, Any] = {
    "@context": [
        "https://gotosocial.org/ns",
        "https://www.w3.org/ns/activitystreams",
        {"sensitive": "as:sensitive"},
    ],
    "actor": "https://gts.example/users/alice",
    "cc": ["https://www.w3.org/ns/activitystreams#Public", "https://node.example/users/kitchen"],
    "id": "https://gts.example/users/alice/statuses/01KZQEJXHJTR7KPWN9G4WDT1G8/activity#Create",
    "object": {
        "attributedTo": "https://gts.example/users/alice",
        "cc": [
            "https://www.w3.org/ns/activitystreams#Public",
            "https://node.example/users/kitchen",
        ],
        "content": '<p><span class="h-card"><a href="https://node.example/@kitchen" '
        'class="u-url mention">@<span>kitchen</span></a></span> signed up for Saturday</p>',
        "contentMap": {"en": "<p>signed up for Saturday</p>"},
        "id": "https://gts.example/users/alice/statuses/01KZQEJXHJTR7KPWN9G4WDT1G8",
        "interactionPolicy": {
            "canAnnounce": {"automaticApproval": ["https://www.w3.org/ns/activitystreams#Public"]},
            "canLike": {"automaticApproval": ["https://www.w3.org/ns/activitystreams#Public"]},
            "canQuote": {"automaticApproval": ["https://gts.example/users/alice"]},
            "canReply": {"automaticApproval": ["https://www.w3.org/ns/activitystreams#Public"]},
        },
        "published": "2026-08-11T11:41:45+08:00",
        "replies": {
            "first": {
                "id": "https://gts.example/users/alice/statuses/01KZQEJXHJTR7KPWN9G4WDT1G8/replies?page=true",
                "next": "https://gts.example/users/alice/statuses/01KZQEJXHJTR7KPWN9G4WDT1G8/replies?page=true&only_other_accounts=false",
                "partOf": "https://gts.example/users/alice/statuses/01KZQEJXHJTR7KPWN9G4WDT1G8/replies",
                "type": "CollectionPage",
            },
            "id": "https://gts.example/users/alice/statuses/01KZQEJXHJTR7KPWN9G4WDT1G8/replies",
            "type": "Collection",
        },
        "sensitive": True,
        "summary": "CW: logistics",
        "tag": {
            "href": "https://node.example/users/kitchen",
            "name": "@kitchen@node.example",
            "type": "Mention",
        },
        "to": "https://gts.example/users/alice/followers",
        "type": "Note",
        "url": "https://gts.example/@alice/statuses/01KZQEJXHJTR7KPWN9G4WDT1G8",
    },
    "published": "2026-08-11T11:41:45+08:00",
    "to": "https://gts.example/users/alice/followers",
    "type": "Create",
}

PLEROMA_CREATE_NOTE: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://pleroma.example/schemas/litepub-0.1.jsonld",
        {"@language": "und"},
    ],
    "actor": "https://pleroma.example/users/alice",
    "bto": [],
    "cc": ["https://www.w3.org/ns/activitystreams#Public"],
    "context": "https://pleroma.example/contexts/f81caacb-6256-466a-90cd-4c31f41f62a7",
    "directMessage": False,
    "id": "https://pleroma.example/activities/f36d6a79-f79a-4bee-ae0c-2a82d5be331b",
    "object": {
        "actor": "https://pleroma.example/users/alice",
        "attachment": [],
        "attributedTo": "https://pleroma.example/users/alice",
        "cc": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": "count me in for the night shift",
        "context": "https://pleroma.example/contexts/f81caacb-6256-466a-90cd-4c31f41f62a7",
        "conversation": "https://pleroma.example/contexts/f81caacb-6256-466a-90cd-4c31f41f62a7",
        "id": "https://pleroma.example/objects/9f774c80-861c-4afc-9e80-223b39b6f10d",
        "inReplyTo": "https://node.example/objects/call-1",
        "pledge": True,
        "published": "2026-08-11T02:17:57.582854Z",
        "sensitive": False,
        "source": {"content": "count me in for the night shift", "mediaType": "text/plain"},
        "summary": "",
        "tag": [],
        "to": [
            "https://pleroma.example/users/alice/followers",
            "https://node.example/users/kitchen",
        ],
        "type": "Note",
    },
    "published": "2026-08-11T02:17:57.582854Z",
    "to": ["https://pleroma.example/users/alice/followers", "https://node.example/users/kitchen"],
    "type": "Create",
}

NODE_CALL: dict[str, Any] = {
    "@context": DESIGN_CONTEXT,
    "id": "https://node.example/objects/call-1",
    "type": "Note",
    "kind": "call",
    "attributedTo": "https://node.example/users/kitchen",
    "content": "<p>Urgent: 200 meals by Saturday 18:00 in Leith. Bring food, drive a van.</p>",
    "contentMap": {"en": "<p>Urgent: we need 200 meals by Saturday 18:00 in Leith.</p>"},
    "urgency": "high",
    "deadline": "2026-08-15T18:00:00Z",
    "regions": ["Leith", "Edinburgh"],
    "actions": ["bring food", "drive a van"],
    "maxHops": 3,
    "sensitive": False,
    "tag": [
        {"type": "Hashtag", "href": "https://node.example/tags/mutualaid", "name": "#mutualaid"}
    ],
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://node.example/users/kitchen/followers"],
    "published": "2026-08-11T09:00:00Z",
    "url": "https://node.example/calls/call-1",
}

NODE_STRATEGY: dict[str, Any] = {
    "@context": DESIGN_CONTEXT,
    "id": "https://node.example/objects/strategy-7",
    "type": "Article",
    "kind": "strategy",
    "name": "Running a community kitchen",
    "summary": "How we cook for 200 people a week on donated food, and what we learned.",
    "content": "<h2>Sourcing</h2><p>Three markets give us their surplus.</p>",
    "contentMap": {"en": "<h2>Sourcing</h2><p>Three markets give us their surplus.</p>"},
    "themes": ["food", "housing"],
    "regions": ["Edinburgh"],
    "tag": [
        {"type": "Hashtag", "href": "https://node.example/tags/food", "name": "#food"},
        {"type": "Hashtag", "href": "https://node.example/tags/housing", "name": "#housing"},
    ],
    "attributedTo": "https://node.example/users/kitchen",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://node.example/users/kitchen/followers"],
    "published": "2026-08-01T12:00:00Z",
    "updated": "2026-08-03T12:00:00Z",
    "url": "https://node.example/strategies/strategy-7",
}

NODE_ANNOUNCE: dict[str, Any] = {
    "@context": DESIGN_CONTEXT,
    "id": "https://other.example/activities/announce-3",
    "type": "Announce",
    "actor": "https://other.example/users/tenants",
    "object": "https://node.example/objects/call-1",
    "via": "https://node.example/activities/announce-1",
    "hop": 2,
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://node.example/users/kitchen", "https://other.example/users/tenants/followers"],
    "published": "2026-08-11T10:00:00Z",
}

NODE_ORGANIZATION: dict[str, Any] = {
    "@context": [
        AS2_CONTEXT,
        SECURITY_CONTEXT,
        {
            **DESIGN_TERMS,
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
        },
    ],
    "id": "https://node.example/users/kitchen",
    "type": "Organization",
    "preferredUsername": "kitchen",
    "name": "Leith Community Kitchen",
    "summary": "<p>We cook for whoever needs it.</p>",
    "icon": {
        "type": "Image",
        "mediaType": "image/png",
        "url": "https://node.example/media/kitchen.png",
    },
    "inbox": "https://node.example/users/kitchen/inbox",
    "outbox": "https://node.example/users/kitchen/outbox",
    "followers": "https://node.example/users/kitchen/followers",
    "following": "https://node.example/users/kitchen/following",
    "featured": "https://node.example/users/kitchen/featured",
    "endpoints": {"sharedInbox": "https://node.example/inbox"},
    "publicKey": {
        "id": "https://node.example/users/kitchen#main-key",
        "owner": "https://node.example/users/kitchen",
        "publicKeyPem": PEM,
    },
    "manuallyApprovesFollowers": False,
    "discoverable": True,
    "indexable": True,
    "url": "https://node.example/@kitchen",
    "attachment": [
        {"type": "PropertyValue", "name": "Website", "value": "https://kitchen.example"}
    ],
}

FAST_DOCUMENTS = {
    "mastodon create note": MASTODON_CREATE_NOTE,
    "node call": NODE_CALL,
    "node strategy": NODE_STRATEGY,
    "node announce": NODE_ANNOUNCE,
    "node organization": NODE_ORGANIZATION,
    "gotosocial create note": GOTOSOCIAL_CREATE_NOTE,
    "pleroma create note": PLEROMA_CREATE_NOTE,
}
ALL_DOCUMENTS = {
    **FAST_DOCUMENTS,
    "mastodon actor": MASTODON_ACTOR,
    "misskey create note": MISSKEY_CREATE_NOTE,
}


@pytest.fixture(scope="module")
def processor() -> JsonLdProcessor:
    return JsonLdProcessor()


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every test here runs with outgoing connections made impossible, and recorded."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError(f"network used: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == []


def same_meaning(value: Any) -> Any:
    """What JSON-LD does not distinguish: a value or a one-element array, null or absent,
    and the @context itself."""
    if isinstance(value, dict):
        return {k: same_meaning(v) for k, v in value.items() if v is not None and k != "@context"}
    if isinstance(value, list):
        items = [same_meaning(item) for item in value]
        return items[0] if len(items) == 1 else items
    return value


# --- the offline loader -----------------------------------------------------------------------

BUNDLED = [
    AS2_CONTEXT,
    SECURITY_CONTEXT,
    "https://w3id.org/security/data-integrity/v1",
    "https://w3id.org/security/multikey/v1",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/identity/v1",
    "https://gotosocial.org/ns",
    NODE_CONTEXT,
]


@pytest.mark.parametrize("url", BUNDLED)
def test_bundled_contexts_resolve_under_every_spelling(
    processor: JsonLdProcessor, url: str
) -> None:
    bare = url.removeprefix("https://")
    for spelling in (url, f"http://{bare}", f"{url}/", f"{url}.jsonld", f"{url}#", f"{url}#x"):
        remote = processor.document_loader(spelling, {})
        assert remote["documentUrl"] == url
        assert remote["contextUrl"] is None
        assert remote["document"] == processor.context_document(url)
        assert isinstance(remote["document"]["@context"], dict)
        assert remote["document"]["@context"]


def test_activitystreams_context_is_the_w3c_one(processor: JsonLdProcessor) -> None:
    terms = processor.context_document(AS2_CONTEXT)["@context"]
    assert terms["@vocab"] == "_:"
    assert terms["as"] == "https://www.w3.org/ns/activitystreams#"
    assert terms["sharedInbox"] == {"@id": "as:sharedInbox", "@type": "@id"}
    assert terms["orderedItems"] == {"@id": "as:items", "@type": "@id", "@container": "@list"}
    security = processor.context_document(SECURITY_CONTEXT)["@context"]
    assert security["publicKeyPem"] == "sec:publicKeyPem"


def test_extension_terms_are_bundled_under_our_own_name(processor: JsonLdProcessor) -> None:
    assert processor.standard_context == [
        AS2_CONTEXT,
        SECURITY_CONTEXT,
        NODE_CONTEXT,
        EXTENSIONS_CONTEXT,
    ]
    terms = processor.context_document(EXTENSIONS_CONTEXT)["@context"]
    assert terms["discoverable"] == "toot:discoverable"
    assert terms["interactionPolicy"] == {"@id": "gts:interactionPolicy", "@type": "@id"}


def test_node_context_holds_the_design_terms(processor: JsonLdProcessor) -> None:
    # DESIGN §2's terms, plus sn:title: a call's title for nodes (a Note's `name` is a CW on GtS),
    # and the trusted cascade's circle and attestedAuthor
    circles = {"circle": "sn:circle", "attestedAuthor": "sn:attestedAuthor"}
    assert processor.context_document(NODE_CONTEXT) == {
        "@context": DESIGN_TERMS | {"title": "sn:title"} | circles
    }
    assert processor.context_document("http://w3id.org/solidarity-node/ns/")["@context"]["pledge"]


def test_loader_copies_never_share_state(processor: JsonLdProcessor) -> None:
    first = processor.document_loader(AS2_CONTEXT)
    first["document"]["@context"]["Note"] = "changed"
    assert processor.document_loader(AS2_CONTEXT)["document"]["@context"]["Note"] == "as:Note"


def test_unknown_context_is_empty_and_never_fetched(
    processor: JsonLdProcessor, no_network: list[object]
) -> None:
    unknown = [
        "https://misskey.example/unknown-context",
        "https://join-lemmy.org/context.json",
        "http://127.0.0.1:9/context.jsonld",
        "file:///etc/passwd",
    ]
    for url in unknown:
        assert processor.document_loader(url)["document"] == {"@context": {}}
    document = {"@context": [AS2_CONTEXT, *unknown], "type": "Note", "content": "hi"}
    assert processor.compact(document)["content"] == "hi"
    assert processor.expand(document)[0]["@type"] == ["https://www.w3.org/ns/activitystreams#Note"]
    assert no_network == []


def test_context_document_refuses_unknown_iris(processor: JsonLdProcessor) -> None:
    with pytest.raises(JsonLdError, match="no bundled context"):
        processor.context_document("https://example.com/ns")


def test_loader_runs_once_per_iri_then_pyld_reuses_the_resolved_context() -> None:
    processor = JsonLdProcessor()
    original = processor.document_loader
    calls: list[str] = []

    def counting(url: str, options: Any = None) -> dict[str, Any]:
        calls.append(url)
        return original(url, options)

    processor.document_loader = counting  # type: ignore[method-assign]
    http_spelling = {**MASTODON_ACTOR, "@context": ["http://www.w3.org/ns/activitystreams"]}
    for _ in range(3):
        processor.compact(MASTODON_ACTOR)
        processor.compact(PLEROMA_CREATE_NOTE)
        processor.compact(http_spelling)
    # the standard contexts were resolved when the processor was built
    assert calls == [PLEROMA_CREATE_NOTE["@context"][1], "http://www.w3.org/ns/activitystreams"]


# --- the fast path ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FAST_DOCUMENTS)
def test_fast_path_returns_the_document_itself(processor: JsonLdProcessor, name: str) -> None:
    document = FAST_DOCUMENTS[name]
    before = copy.deepcopy(document)
    assert processor.is_standard(document)
    assert processor.normalize(document) is document
    assert document == before


@pytest.mark.parametrize("name", ALL_DOCUMENTS)
def test_fast_path_and_pyld_agree(processor: JsonLdProcessor, name: str) -> None:
    document = ALL_DOCUMENTS[name]
    before = copy.deepcopy(document)
    compacted = processor.compact(document)
    assert same_meaning(compacted) == same_meaning(processor.normalize(document))
    assert compacted["@context"] == processor.standard_context
    assert document == before


@pytest.mark.parametrize(
    "context",
    [
        None,
        AS2_CONTEXT,
        [AS2_CONTEXT],
        [AS2_CONTEXT, SECURITY_CONTEXT],
        ["http://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1/"],
        [AS2_CONTEXT, SECURITY_CONTEXT, NODE_CONTEXT],
        [AS2_CONTEXT, {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}],
        [AS2_CONTEXT, {"toot": "http://joinmastodon.org/ns#", "discoverable": "toot:discoverable"}],
    ],
)
def test_standard_contexts_take_the_fast_path(processor: JsonLdProcessor, context: Any) -> None:
    document: dict[str, Any] = {"id": "https://a.example/1", "type": "Note", "content": "hi"}
    if context is not None:
        document["@context"] = context
    assert processor.is_standard(document)


@pytest.mark.parametrize(
    "context",
    [
        # a term meaning something else than ours
        [AS2_CONTEXT, {"featured": "toot:featured", "toot": "http://joinmastodon.org/ns#"}],
        [AS2_CONTEXT, {"schema": "http://schema.org/", "value": "schema:value"}],
        # a prefix the context never defines: "toot:discoverable" is then an IRI of its own
        [AS2_CONTEXT, {"discoverable": "toot:discoverable"}],
        # a bundled context that redefines AS2 terms
        [AS2_CONTEXT, "https://w3id.org/identity/v1"],
        [AS2_CONTEXT, {"@vocab": "https://example.com/ns#"}],
        [AS2_CONTEXT, None],
    ],
)
def test_other_contexts_go_through_pyld(processor: JsonLdProcessor, context: Any) -> None:
    document = {"@context": context, "id": "https://a.example/1", "type": "Note", "content": "hi"}
    assert not processor.is_standard(document)


@pytest.mark.parametrize(
    "body",
    [
        {"type": "as:Note"},
        {"type": ["Note", "https://example.com/ns#Thing"]},
        {"to": ["as:Public"]},
        {"cc": "Public"},
        {"https://www.w3.org/ns/activitystreams#content": "hi"},
        {"toot:discoverable": True},
        {"@type": "Note"},
        {"object": {"@context": [AS2_CONTEXT, {"@vocab": "https://example.com/ns#"}]}},
        {"expiration": "2026-01-01T00:00:00Z"},
        {"tag": [{"type": "Hashtag", "href": "sn:tags/x"}]},
    ],
)
def test_prefixed_terms_leave_the_fast_path(
    processor: JsonLdProcessor, body: dict[str, Any]
) -> None:
    assert not processor.is_standard(
        {"@context": DESIGN_CONTEXT, "id": "https://a.example/1", **body}
    )


# --- pyld's path ------------------------------------------------------------------------------


def test_prefixed_and_iri_terms_are_compacted(processor: JsonLdProcessor) -> None:
    document = {
        "@context": [AS2_CONTEXT, {"toot": "http://joinmastodon.org/ns#"}],
        "id": "https://a.example/notes/1",
        "type": "as:Note",
        "as:attributedTo": "https://a.example/users/bob",
        "https://www.w3.org/ns/activitystreams#content": "hello",
        "to": ["as:Public"],
        "cc": "Public",
        "toot:discoverable": True,
        "https://w3id.org/solidarity-node/ns#urgency": "high",
        "tag": [{"type": "https://www.w3.org/ns/activitystreams#Hashtag", "name": "#x"}],
    }
    normal = processor.normalize(document)
    assert normal["type"] == "Note"
    assert normal["attributedTo"] == "https://a.example/users/bob"
    assert normal["content"] == "hello"
    assert normal["to"] == PUBLIC
    assert normal["cc"] == PUBLIC
    assert normal["discoverable"] is True
    assert normal["urgency"] == "high"
    assert normal["tag"] == {"type": "Hashtag", "name": "#x"}


def test_public_in_other_id_positions_is_spelled_out(processor: JsonLdProcessor) -> None:
    document = {
        "@context": DESIGN_CONTEXT,
        "id": "https://a.example/1",
        "type": "Note",
        "audience": "as:Public",
        "object": {"id": "https://www.w3.org/ns/activitystreams#Public"},
    }
    normal = processor.normalize(document)
    assert normal["audience"] == PUBLIC
    assert normal["object"] == PUBLIC or normal["object"] == {"id": PUBLIC}


def test_mastodon_actor_keeps_the_fields_we_need(processor: JsonLdProcessor) -> None:
    assert not processor.is_standard(MASTODON_ACTOR)
    actor = processor.normalize(MASTODON_ACTOR)
    assert actor["id"] == "https://mastodon.example/users/alice"
    assert actor["type"] == "Person"
    assert actor["publicKey"] == {
        "id": "https://mastodon.example/users/alice#main-key",
        "owner": "https://mastodon.example/users/alice",
        "publicKeyPem": PEM,
    }
    assert actor["endpoints"] == {"sharedInbox": "https://mastodon.example/inbox"}
    assert actor["manuallyApprovesFollowers"] is True
    assert actor["discoverable"] is True
    assert actor["indexable"] is False
    assert actor["inbox"] == "https://mastodon.example/users/alice/inbox"
    assert actor["featured"] == "https://mastodon.example/users/alice/collections/featured"
    assert actor["attachment"][0] == {
        "type": "PropertyValue",
        "name": "Website",
        "value": "https://alice.example",
    }
    assert actor["name"] == "Alice 🎙️"


def test_misskey_note_normalises(processor: JsonLdProcessor) -> None:
    assert not processor.is_standard(MISSKEY_CREATE_NOTE)
    create = processor.normalize(MISSKEY_CREATE_NOTE)
    note = create["object"]
    assert create["type"] == "Create"
    assert create["to"] == PUBLIC
    assert note["type"] == "Note"
    assert note["_misskey_content"] == "@kitchen@node.example boosting this :blobheart:"
    assert note["_misskey_quote"] == "https://node.example/objects/call-1"
    assert note["quoteUrl"] == "https://node.example/objects/call-1"
    assert note["source"]["mediaType"] == "text/x.misskeymarkdown"
    assert note["sensitive"] is False
    assert [tag["type"] for tag in note["tag"]] == ["Mention", "Emoji"]
    assert note["tag"][1]["icon"]["url"] == "https://misskey.example/files/blobheart.png"


def test_misskey_key_type_gets_the_security_v1_name(processor: JsonLdProcessor) -> None:
    person = {
        "@context": MISSKEY_CREATE_NOTE["@context"],
        "id": "https://misskey.example/users/9bdgn9zxoi",
        "type": "Person",
        "isCat": True,
        "publicKey": {
            "id": "https://misskey.example/users/9bdgn9zxoi#main-key",
            "type": "Key",
            "owner": "https://misskey.example/users/9bdgn9zxoi",
            "publicKeyPem": PEM,
        },
    }
    normal = processor.normalize(person)
    assert normal["isCat"] is True
    assert normal["publicKey"]["type"] == "CryptographicKey"
    assert normal["publicKey"]["publicKeyPem"] == PEM


def test_gotosocial_note_normalises(processor: JsonLdProcessor) -> None:
    note = processor.compact(GOTOSOCIAL_CREATE_NOTE)["object"]
    policy = note["interactionPolicy"]
    assert policy["canLike"]["automaticApproval"] == PUBLIC
    assert policy["canQuote"]["automaticApproval"] == "https://gts.example/users/alice"
    assert note["sensitive"] is True
    assert note["summary"] == "CW: logistics"


def test_pleroma_default_language_is_dropped(processor: JsonLdProcessor) -> None:
    note = processor.compact(PLEROMA_CREATE_NOTE)["object"]
    assert note["content"] == "count me in for the night shift"
    assert note["source"] == {
        "content": "count me in for the night shift",
        "mediaType": "text/plain",
    }
    assert note["pledge"] is True


def test_terms_of_an_unknown_context_keep_their_plain_names(processor: JsonLdProcessor) -> None:
    lemmy_page = {
        "@context": ["https://join-lemmy.org/context.json", AS2_CONTEXT],
        "id": "https://lemmy.example/post/1",
        "type": "Page",
        "attributedTo": "https://lemmy.example/u/alice",
        "name": "Solidarity kitchen needs volunteers",
        "stickied": False,
        "language": {"identifier": "en", "name": "English"},
        "sensitive": False,
    }
    normal = processor.compact(lemmy_page)
    assert normal["stickied"] is False
    assert normal["sensitive"] is False
    assert normal["language"] == {"identifier": "en", "name": "English"}
    assert normal["type"] == "Page"


def test_expand_works_offline(processor: JsonLdProcessor) -> None:
    expanded = processor.expand(MISSKEY_CREATE_NOTE)
    assert expanded[0]["@type"] == ["https://www.w3.org/ns/activitystreams#Create"]
    note = expanded[0]["https://www.w3.org/ns/activitystreams#object"][0]
    assert note["https://misskey-hub.net/ns#_misskey_content"][0]["@value"].startswith("@kitchen")


def test_expand_assumes_activitystreams_when_absent(processor: JsonLdProcessor) -> None:
    expanded = processor.expand({"id": "https://a.example/1", "type": "Note", "content": "hi"})
    assert expanded[0]["@type"] == ["https://www.w3.org/ns/activitystreams#Note"]


@pytest.mark.parametrize("term", ["type", "to", "orderedItems", "contentMap", "kind", "via"])
def test_standard_terms_compact_to_themselves(processor: JsonLdProcessor, term: str) -> None:
    values = {
        "type": "Note",
        "to": "https://a.example/users/x",
        "orderedItems": ["https://a.example/2"],
        "contentMap": {"en": "hi"},
        "kind": "call",
        "via": "https://a.example/activities/1",
    }
    document = {"@context": DESIGN_CONTEXT, "id": "https://a.example/0", term: values[term]}
    assert same_meaning(processor.compact(document)) == same_meaning(document)


def sample_value(definition: Any) -> Any:
    """A well-formed value for a term, from its definition in the standard context."""
    kind = definition.get("@type", "") if isinstance(definition, dict) else ""
    container = definition.get("@container") if isinstance(definition, dict) else None
    if container == "@language":
        return {"en": "x"}
    value: Any = "x"
    if kind == "@id":
        value = "https://a.example/x"
    elif kind.endswith("dateTime"):
        value = "2026-01-01T00:00:00Z"
    elif kind.endswith("boolean"):
        value = True
    elif kind.endswith(("float", "Integer")):
        value = 3
    elif kind.endswith("duration"):
        value = "PT1H"
    return [value, value] if container == "@list" else value


@pytest.mark.parametrize("standard", [True, False], ids=["standard context", "design context"])
def test_whatever_the_fast_path_accepts_pyld_compacts_the_same(
    processor: JsonLdProcessor, standard: bool
) -> None:
    context = processor.standard_context if standard else DESIGN_CONTEXT
    terms: dict[str, Any] = {}
    for part in processor.standard_context:
        terms.update(
            processor.context_document(part)["@context"] if isinstance(part, str) else part
        )
    accepted = []
    for term, definition in terms.items():
        if term.startswith("@"):
            continue
        value = "Note" if term == "type" else sample_value(definition)
        document = {"@context": context, "id": "https://a.example/0", "type": "Note"}
        document[term] = value
        if processor.is_standard(document):
            accepted.append(term)
            assert same_meaning(processor.compact(document)) == same_meaning(document), term
    assert len(accepted) > 250
    assert "expiration" not in accepted  # security v1's alias of "expires"


@pytest.mark.parametrize("name", ALL_DOCUMENTS)
def test_normalize_is_idempotent(processor: JsonLdProcessor, name: str) -> None:
    once = processor.normalize(ALL_DOCUMENTS[name])
    assert same_meaning(processor.normalize(once)) == same_meaning(once)
    assert same_meaning(processor.compact(once)) == same_meaning(once)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, [], "{}", 42, b"{}"])
def test_not_an_object_is_refused(processor: JsonLdProcessor, value: object) -> None:
    for method in (processor.normalize, processor.expand, processor.compact, processor.is_standard):
        with pytest.raises(JsonLdError, match="expected a JSON object"):
            method(value)


@pytest.mark.parametrize(
    "document",
    [
        {"@context": 42, "type": "Note"},
        {"@context": [AS2_CONTEXT, {"@version": 2.0}], "type": "Note"},
        {"@context": [AS2_CONTEXT, {"Note": {"@id": 5}}], "type": "Note"},
        {"@context": AS2_CONTEXT, "id": 5, "type": "Note"},
        {"@context": AS2_CONTEXT, "type": {"not": "a type"}},
        {"@context": AS2_CONTEXT, "@id": ["a", "b"]},
    ],
)
def test_contexts_and_values_pyld_refuses_raise_jsonld_error(
    processor: JsonLdProcessor, document: dict[str, Any]
) -> None:
    with pytest.raises(JsonLdError, match="failed"):
        processor.normalize(document)


def test_cycles_are_refused(processor: JsonLdProcessor) -> None:
    document: dict[str, Any] = {
        "@context": AS2_CONTEXT,
        "id": "https://a.example/1",
        "type": "Note",
    }
    document["object"] = document
    with pytest.raises(JsonLdError, match=r"https://a\.example/1: nested deeper"):
        processor.normalize(document)
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(JsonLdError, match="nested deeper"):
        processor.expand({"type": "Note", "tag": looped})


def test_depth_limit(processor: JsonLdProcessor) -> None:
    shallow: dict[str, Any] = {"type": "Note"}
    deep: dict[str, Any] = {"type": "Note"}
    for _ in range(MAX_DEPTH - 1):
        shallow = {"type": "Note", "object": shallow}
    for _ in range(MAX_DEPTH + 1):
        deep = {"type": "Note", "object": deep}
    assert processor.normalize(shallow) is shallow
    with pytest.raises(JsonLdError, match="nested deeper"):
        processor.normalize(deep)


@pytest.mark.parametrize("value", [{1, 2}, b"bytes", object(), (1, 2)])
def test_values_that_are_not_json_are_refused(processor: JsonLdProcessor, value: object) -> None:
    with pytest.raises(JsonLdError, match="is not JSON"):
        processor.normalize({"@context": AS2_CONTEXT, "type": "Note", "content": value})


def test_non_string_keys_are_refused(processor: JsonLdProcessor) -> None:
    with pytest.raises(JsonLdError, match="non-string key"):
        processor.normalize({"type": "Note", "tag": {1: "x"}})
