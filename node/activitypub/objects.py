"""Typed, read-only views of incoming AS2 documents, validated on construction.

Raw JSON stays here: the rest of the node gets ActorView, ActivityView and ObjectView, or a
JsonLdError saying which field of which document is unusable. Origins compare scheme, host
and port.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.activitypub.vocabulary import PUBLIC
from node.errors import JsonLdError
from node.publication import Visibility
from node.urls import same_origin, split

ACTOR_TYPES = frozenset({"Person", "Organization", "Group", "Service", "Application"})
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
MAX_ID_LENGTH = 2048
MAX_TYPE_LENGTH = 64
MAX_ASSERTION_KEYS = 8
MAX_MULTIKEY = 128
MAX_ADDRESSED = 1000
ADDRESS_FIELDS = ("to", "cc", "bto", "bcc", "audience")


def is_iri(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH and _is_web_iri(value)


@functools.lru_cache(maxsize=4096)
def _is_web_iri(value: str) -> bool:
    """Memoised: the same actors, collections and PUBLIC recur in nearly every activity."""
    parts = split(value)
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname)


def require_iri(document: dict[str, Any], field: str, where: str) -> str:
    value = document.get(field)
    if not is_iri(value):
        raise JsonLdError(f"{where}: '{field}' must be an http(s) IRI, got {value!r:.80}")
    assert isinstance(value, str)
    return value


def id_of(value: object) -> str | None:
    """The IRI of a reference: a string, or an object's `id`, or a Link's `href`."""
    if isinstance(value, str):
        return value if is_iri(value) else None
    if isinstance(value, dict):
        found = value.get("id", value.get("href"))
        return found if is_iri(found) else None
    return None


def first_type(document: dict[str, Any]) -> str:
    kind = document.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if isinstance(k, str)), None)
    if not isinstance(kind, str) or not kind or len(kind) > MAX_TYPE_LENGTH:
        raise JsonLdError(f"{document.get('id', 'document')!s:.200}: no usable 'type'")
    return kind


def iri_list(value: object) -> tuple[str, ...]:
    """The IRIs of an addressing value (at most MAX_ADDRESSED are read)."""
    items = value[:MAX_ADDRESSED] if isinstance(value, list) else [value]
    found = (PUBLIC if i in PUBLIC_FORMS else id_of(i) for i in items)
    return tuple(dict.fromkeys(i for i in found if i))


def check_addressing(document: dict[str, Any]) -> None:
    """A received activity, and the object it embeds, may each name at most MAX_ADDRESSED
    addressees (entries of to, cc, bto, bcc and audience, and Mention tags, counted as given):
    a post of Mastodon's 500 characters mentions at most about 70 accounts, and a server that
    addresses every follower names its followers collection. JsonLdError (400) beyond."""
    for part in (document, document.get("object")):
        if isinstance(part, dict) and _addressees(part) > MAX_ADDRESSED:
            raise JsonLdError(
                f"{part.get('id', 'the document')!s:.200}: names more than {MAX_ADDRESSED} "
                "addressees (to, cc, bto, bcc, audience and mentions); address a collection"
            )


def _addressees(document: dict[str, Any]) -> int:
    count = 0
    for name in ADDRESS_FIELDS:
        value = document.get(name)
        count += len(value) if isinstance(value, list) else value is not None
    tags = document.get("tag")
    if isinstance(tags, list):
        count += sum(1 for tag in tags if isinstance(tag, dict) and tag.get("type") == "Mention")
    return count


def addressed_iris(document: dict[str, Any]) -> tuple[str, ...]:
    """Every IRI a document addresses (to, cc, bto, bcc, audience) or mentions (Mention tags),
    the public collection included, once each and at most MAX_ADDRESSED of them."""
    found: dict[str, None] = {}
    tags = document.get("tag")
    mentions = [
        tag.get("href")
        for tag in (tags if isinstance(tags, list) else [tags])
        if isinstance(tag, dict) and tag.get("type") == "Mention"
    ]
    for values in (*(document.get(name) for name in ADDRESS_FIELDS), mentions):
        for iri in iri_list(values):
            found[iri] = None
            if len(found) >= MAX_ADDRESSED:
                return tuple(found)
    return tuple(found)


@dataclass(frozen=True)
class ActorView:
    iri: str
    type: str
    username: str | None
    name: str | None
    inbox: str
    shared_inbox: str | None
    followers: str | None
    key_id: str | None
    public_key_pem: str | None
    assertion_keys: tuple[tuple[str, str], ...] = ()  # (key id, publicKeyMultibase), FEP-521a

    @classmethod
    def from_document(cls, document: dict[str, Any], key_id: str | None = None) -> ActorView:
        iri = require_iri(document, "id", "actor")
        kind = first_type(document)
        if kind not in ACTOR_TYPES:
            raise JsonLdError(f"{iri}: type {kind!r} is not an actor type")
        inbox = require_iri(document, "inbox", iri)
        endpoints = document.get("endpoints")
        shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
        shared = shared or document.get("sharedInbox")
        found_id, pem = _public_key(document, iri, key_id)
        return cls(
            iri=iri,
            type=kind,
            username=_text(document.get("preferredUsername")),
            name=_text(document.get("name")),
            inbox=inbox,
            shared_inbox=shared if is_iri(shared) and same_origin(str(shared), iri) else None,
            followers=id_of(document.get("followers")),
            key_id=found_id,
            public_key_pem=pem,
            assertion_keys=_assertion_keys(document, iri),
        )


def _text(value: object, limit: int = 500) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _assertion_keys(document: dict[str, Any], iri: str) -> tuple[tuple[str, str], ...]:
    """The actor's Multikeys for assertions (FEP-521a): ids on its origin, controlled by it;
    anything else in `assertionMethod` (key references, other key types) is skipped."""
    methods = document.get("assertionMethod")
    found: dict[str, str] = {}
    for method in (methods if isinstance(methods, list) else [methods])[:MAX_ASSERTION_KEYS]:
        if not isinstance(method, dict) or method.get("type") != "Multikey":
            continue
        key_id, value = method.get("id"), method.get("publicKeyMultibase")
        controller = id_of(method.get("controller"))
        if is_iri(key_id) and same_origin(str(key_id), iri) and controller == iri:
            if isinstance(value, str) and len(value) <= MAX_MULTIKEY:
                found.setdefault(str(key_id), value)
    return tuple(found.items())


def _public_key(
    document: dict[str, Any], iri: str, key_id: str | None
) -> tuple[str | None, str | None]:
    """The actor's key (the one named key_id when given); its owner must be the actor."""
    keys = document.get("publicKey")
    candidates = keys if isinstance(keys, list) else [keys]
    for key in candidates:
        if not isinstance(key, dict) or not is_iri(key.get("id")):
            continue
        if key_id is not None and key["id"] != key_id:
            continue
        if key.get("owner", iri) != iri or not same_origin(key["id"], iri):
            raise JsonLdError(f"{iri}: key {key['id']} belongs to {key.get('owner')}")
        pem = key.get("publicKeyPem")
        return key["id"], pem if isinstance(pem, str) else None
    return None, None


@dataclass(frozen=True)
class ActivityView:
    iri: str
    type: str
    actor: str
    object_id: str | None
    embedded: dict[str, Any] | None
    target: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    document: dict[str, Any]

    @classmethod
    def from_document(cls, document: object) -> ActivityView:
        if not isinstance(document, dict):
            raise JsonLdError("an activity must be a JSON object")
        iri = require_iri(document, "id", "activity")
        actor = id_of(document.get("actor"))
        if actor is None:
            raise JsonLdError(f"{iri}: 'actor' must be an actor IRI")
        obj = document.get("object")
        return cls(
            iri=iri,
            type=first_type(document),
            actor=actor,
            object_id=id_of(obj),
            embedded=obj if isinstance(obj, dict) else None,
            target=id_of(document.get("target")),
            to=iri_list(document.get("to", [])),
            cc=iri_list(document.get("cc", [])),
            document=document,
        )

    @property
    def audience(self) -> tuple[str, ...]:
        return self.to + self.cc


@dataclass(frozen=True)
class ObjectView:
    iri: str
    type: str
    attributed_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    in_reply_to: str | None
    published: str | None
    document: dict[str, Any]

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ObjectView:
        iri = require_iri(document, "id", "object")
        attributed = document.get("attributedTo")
        owners = attributed if isinstance(attributed, list) else [attributed]
        return cls(
            iri=iri,
            type=first_type(document),
            attributed_to=next((i for i in map(id_of, owners) if i), None),
            to=iri_list(document.get("to", [])),
            cc=iri_list(document.get("cc", [])),
            in_reply_to=id_of(document.get("inReplyTo")),
            published=_text(document.get("published"), 64),
            document=document,
        )


def visibility(to: Sequence[str], cc: Sequence[str], followers: str | None) -> Visibility:
    """Mastodon's reading of an audience: public, unlisted, followers or direct."""
    if PUBLIC in to:
        return Visibility.PUBLIC
    if PUBLIC in cc:
        return Visibility.UNLISTED
    if followers is not None and followers in to:
        return Visibility.FOLLOWERS
    return Visibility.DIRECT


def cascade_marks(document: dict[str, Any]) -> tuple[str | None, int | None]:
    """An Announce's `via` (an IRI) and `hop` (a count from 0), when it carries them."""
    hop = document.get("hop")
    valid_hop = hop if isinstance(hop, int) and not isinstance(hop, bool) and hop >= 0 else None
    return id_of(document.get("via")), valid_hop
