"""Circle calls on the wire: the `circle` marker, the Announce of the trusted cascade, and the
author as the announcing ally attests it (`attestedAuthor`).

Pure. A circle call is a Note with `circle: true` (sn:circle), addressed to actors only: no
Public, no followers collection. It travels in Announces addressed to the announcing actor's
own circle, embedding the call as its author signed it, with `attestedAuthor`: the author's
inbox and assertion key as the announcing actor knows them, so that a node which never met the
author can check the author's proof without asking the author's server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from node.activitypub.objects import id_of, is_iri
from node.activitypub.vocabulary import CONTEXT, iso
from node.urls import same_origin

MARK = "circle"
ATTESTED = "attestedAuthor"
MAX_MULTIKEY = 128


def is_circle(document: object) -> bool:
    """Whether a document (a call, or an Announce of one) says it belongs to a circle."""
    return isinstance(document, dict) and document.get(MARK) is True


@dataclass(frozen=True)
class AttestedAuthor:
    """A call's author as an announcing actor attests it: its actor IRI, its inbox (on its
    own origin), and one assertion key (a Multikey on its origin, controlled by it)."""

    iri: str
    key_id: str
    public_multibase: str
    inbox: str | None = None


def attested_author(document: dict[str, Any]) -> AttestedAuthor | None:
    """The `attestedAuthor` an activity carries, or None when it has none or it is malformed
    (a key or inbox off the author's origin, a key the author does not control)."""
    value = document.get(ATTESTED)
    if not isinstance(value, dict):
        return None
    iri = id_of(value.get("id"))
    method = value.get("assertionMethod")
    method = method[0] if isinstance(method, list) and len(method) == 1 else method
    if iri is None or not isinstance(method, dict) or method.get("type") != "Multikey":
        return None
    key_id, multibase = method.get("id"), method.get("publicKeyMultibase")
    if not is_iri(key_id) or not same_origin(str(key_id), iri):
        return None
    if id_of(method.get("controller")) != iri:
        return None
    if not isinstance(multibase, str) or not 0 < len(multibase) <= MAX_MULTIKEY:
        return None
    inbox = id_of(value.get("inbox"))
    if inbox is not None and not same_origin(inbox, iri):
        inbox = None
    return AttestedAuthor(iri, str(key_id), multibase, inbox)


def attested_author_to_as(author: AttestedAuthor) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": author.iri,
        "assertionMethod": {
            "id": author.key_id,
            "type": "Multikey",
            "controller": author.iri,
            "publicKeyMultibase": author.public_multibase,
        },
    }
    if author.inbox:
        found["inbox"] = author.inbox
    return found


def circle_announce_to_as(
    activity_iri: str,
    actor: str,
    announced: dict[str, Any],
    *,
    to: Sequence[str],
    via: str | None,
    hop: int,
    published: datetime,
    attested: AttestedAuthor | None,
) -> dict[str, Any]:
    """An Announce of the trusted cascade: to the announcing actor's circle (or, as the
    receipt its author gets, to the author alone), never Public, never followers; the call
    embedded as its author signed it; `via` and `hop` as in the public cascade."""
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": activity_iri,
        "type": "Announce",
        "actor": actor,
        "object": announced,
        "published": iso(published),
        "to": list(dict.fromkeys(to)),
        "cc": [],
        MARK: True,
        "hop": hop,
    }
    if via:
        document["via"] = via
    if attested is not None:
        document[ATTESTED] = attested_author_to_as(attested)
    return document


def addressed(document: dict[str, Any]) -> frozenset[str]:
    """The actors an object or activity names in to and cc (IRIs only)."""
    found: set[str] = set()
    for name in ("to", "cc"):
        value = document.get(name)
        for item in value if isinstance(value, list) else [value]:
            iri = id_of(item)
            if iri is not None:
                found.add(iri)
    return frozenset(found)
