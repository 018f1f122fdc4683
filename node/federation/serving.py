"""Serving publications: a stored strategy or call as its audience may see it, with live counts
of replies, likes and shares, and its collections.

Non-public objects go only to signed requests from their audience (see access.py); to anyone
else they do not exist.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from node.activitypub.screening import Incoming
from node.activitypub.vocabulary import CONTEXT
from node.errors import NotFound, SolidarityError, Unauthorized
from node.federation import access, proofs, receiving
from node.federation.runtime import Runtime
from node.publication import Kind
from node.storage import actors, objects, reactions
from node.storage.objects import StoredObject
from node.storage.remote_actors import RemoteActor

KIND_OF_PATH = {"strategies": Kind.STRATEGY, "calls": Kind.CALL, "notes": None}


@dataclass(frozen=True)
class Counts:
    replies: list[str]
    likes: int
    shares: int


class Withdrawn(SolidarityError):
    """The publication was deleted: answer 410 with its Tombstone."""

    def __init__(self, tombstone: dict[str, Any]) -> None:
        super().__init__(f"{tombstone['id']} was deleted")
        self.tombstone = tombstone


async def find(node: Runtime, path_kind: str, key: str) -> StoredObject:
    if path_kind not in KIND_OF_PATH:
        raise NotFound(f"nothing is published under /{path_kind}/")
    kind = KIND_OF_PATH[path_kind]
    async with node.db.transaction() as session:
        stored = await objects.by_key(session, key)
    if stored is None or stored.kind != kind or stored.local_actor_id is None:
        raise NotFound(f"no such {kind or 'note'} here: {key}")
    if stored.deleted_at is not None:
        raise Withdrawn(stored.document)
    return stored


async def requester(node: Runtime, incoming: Incoming) -> RemoteActor | None:
    """The remote actor that signed this GET, or None when it is unsigned or not verifiable."""
    if "signature" not in {k.lower() for k in incoming.headers}:
        return None
    try:
        return await receiving.authenticate(node, incoming)
    except SolidarityError:
        return None


async def visible(node: Runtime, stored: StoredObject, incoming: Incoming) -> StoredObject:
    """The object if this request may read it; else Unauthorized (unsigned) or NotFound."""
    if access.is_listed(stored):
        return stored
    signer = await requester(node, incoming)
    if signer is None:
        raise Unauthorized("this object is not public: sign the request as one of its audience")
    if not await access.may_read(node, stored, signer):
        raise NotFound(f"no such object here: {stored.iri}")
    return stored


async def counts(node: Runtime, iri: str) -> Counts:
    async with node.db.transaction() as session:
        replies = [r.iri for r in await objects.replies_to(session, iri)]
        found = await reactions.for_object(session, iri)
    likes = sum(r.type == "Like" for r in found)
    return Counts(replies, likes, sum(r.type == "Announce" for r in found))


async def document(node: Runtime, stored: StoredObject) -> dict[str, Any]:
    """The stored AS2 document with today's counts; a signed one signed again over them."""
    found = await counts(node, stored.iri)
    served = copy.deepcopy(stored.document)
    for name, total in (
        ("replies", len(found.replies)),
        ("likes", found.likes),
        ("shares", found.shares),
    ):
        if isinstance(served.get(name), dict):
            served[name]["totalItems"] = total
    if "proof" not in served or stored.local_actor_id is None:
        return served
    async with node.db.transaction() as session:
        author = await actors.by_id(session, stored.local_actor_id)
    return proofs.sign_as(node, author, served)


async def collection(node: Runtime, stored: StoredObject, which: str, page: bool) -> dict[str, Any]:
    """replies (with the reply ids), likes and shares (counts only, as Mastodon serves them)."""
    found = await counts(node, stored.iri)
    iri = f"{stored.iri}/{which}"
    if which == "replies":
        first = {
            "id": f"{iri}?page=1",
            "type": "CollectionPage",
            "partOf": iri,
            "items": found.replies,
        }
        if page:
            return {"@context": CONTEXT, **first}
        return {
            "@context": CONTEXT,
            "id": iri,
            "type": "Collection",
            "totalItems": len(found.replies),
            "first": first,
        }
    total = found.likes if which == "likes" else found.shares
    return {"@context": CONTEXT, "id": iri, "type": "Collection", "totalItems": total}
