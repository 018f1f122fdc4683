"""Who may fetch a local upload: the same people who may read a publication carrying it.

An upload attached to a public or unlisted publication is public. One attached only to
followers-only or direct publications goes only to signed requests that access.py lets read
one of them (unsigned: 401; others: 404, as for the publication itself). One whose
publications were all withdrawn is gone (410); one never attached exists only for its owner.
"""

from __future__ import annotations

from node.activitypub.screening import Incoming
from node.errors import Gone, NotFound, Unauthorized
from node.federation import access, serving
from node.federation.runtime import Runtime
from node.storage import objects, uploads
from node.storage.objects import StoredObject
from node.storage.uploads import StoredMedia


async def publications_of(node: Runtime, item: StoredMedia) -> list[StoredObject]:
    async with node.db.transaction() as session:
        found = [await objects.get(session, iri) for iri in await uploads.users(session, item.id)]
    return [stored for stored in found if stored is not None]


async def is_public(node: Runtime, item: StoredMedia) -> bool:
    """True when a public or unlisted publication carries the upload; NotFound / Gone when no
    publication that is still there does."""
    carried = await publications_of(node, item)
    live = [stored for stored in carried if stored.deleted_at is None]
    if not live:
        if carried:
            raise Gone(f"the publications carrying {item.key} were withdrawn")
        raise NotFound(f"no such media here: {item.key}")
    return any(access.is_listed(stored) for stored in live)


async def check_reader(node: Runtime, item: StoredMedia, incoming: Incoming) -> None:
    """Returns when the signer of `incoming` may read a publication carrying the upload."""
    signer = await serving.requester(node, incoming)
    if signer is None:
        raise Unauthorized("this file is not public: sign the request as one of its audience")
    for stored in await publications_of(node, item):
        if stored.deleted_at is None and await access.may_read(node, stored, signer):
            return
    raise NotFound(f"no such media here: {item.key}")
