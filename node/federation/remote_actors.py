"""Remote actors as this node knows them: fetched by signed GET, cached, refreshed on demand.

Key lookup follows Mastodon: the cached key first (in memory, else in the database); after a
failed verification the caller asks again with refresh=True, once (key rotation). A key's owner
is always the actor it came from. Every actor stored or marked gone here updates node.keys.
"""

from __future__ import annotations

from typing import Any

from node.activitypub.fetch import SafeClient
from node.activitypub.objects import ACTOR_TYPES, ActorView, first_type, id_of
from node.errors import FetchStatus, Gone, JsonLdError
from node.federation.runtime import Runtime
from node.storage import remote_actors
from node.storage.remote_actors import RemoteActor
from node.urls import same_origin


def to_remote(view: ActorView, node: Runtime) -> RemoteActor:
    return RemoteActor(
        iri=view.iri,
        type=view.type,
        key_id=view.key_id,
        public_key_pem=view.public_key_pem,
        username=view.username,
        name=view.name,
        inbox=view.inbox,
        shared_inbox=view.shared_inbox,
        followers=view.followers,
        fetched_at=node.clock.now(),
        gone=False,
        assertion_keys=view.assertion_keys,
    )


async def fetch_actor(
    node: Runtime, iri: str, key_id: str | None = None, client: SafeClient | None = None
) -> RemoteActor:
    """GET the actor (signed by the instance actor), validate it and store it; `client`: the
    key-fetch budget's, when an unauthenticated request named the key."""
    try:
        fetched = await (client or node.fetcher).get_json(iri)
    except FetchStatus as exc:
        if exc.status == 410:
            await mark_gone(node, iri)
            raise Gone(f"{iri} is gone (410)") from exc
        raise
    document = fetched.document
    if document.get("id") != iri:
        raise JsonLdError(f"{iri}: the document's id is {document.get('id')!r}")
    view = ActorView.from_document(document, key_id)
    return await store(node, to_remote(view, node), document)


async def store(node: Runtime, actor: RemoteActor, document: dict[str, Any]) -> RemoteActor:
    async with node.db.transaction() as session:
        stored = await remote_actors.upsert(session, actor, document)
    node.keys.forget(stored.iri)
    return stored


async def mark_gone(node: Runtime, iri: str) -> None:
    async with node.db.transaction() as session:
        await remote_actors.mark_gone(session, iri, node.clock.now())
    node.keys.forget(iri)


async def get_actor(node: Runtime, iri: str, *, refresh: bool = False) -> RemoteActor:
    if not refresh:
        async with node.db.transaction() as session:
            cached = await remote_actors.by_iri(session, iri)
        if cached is not None and not cached.gone:
            return cached
    return await fetch_actor(node, iri)


async def actor_for_key(
    node: Runtime, key_id: str, *, refresh: bool = False, client: SafeClient | None = None
) -> RemoteActor:
    """The actor owning key_id, with that key's PEM; JsonLdError if the key has no owner."""
    if not refresh and (cached := await cached_key(node, key_id)) is not None:
        return cached
    fetcher = client or node.fetcher
    document_url = key_id.partition("#")[0]
    document = (await fetcher.get_json(document_url)).document
    if first_type(document) in ACTOR_TYPES and document.get("id") == document_url:
        view = ActorView.from_document(document, key_id)
        actor = await store(node, to_remote(view, node), document)
    else:
        # a key document (owner) or a key-URL stub actor (GoToSocial): ask the owner itself
        owner = id_of(document.get("owner")) or id_of(document.get("id")) or ""
        if not owner or not same_origin(owner, key_id):
            raise JsonLdError(f"key {key_id} names no owner on its own origin")
        actor = await fetch_actor(node, owner, key_id, client)
    if actor.key_id != key_id or not actor.public_key_pem:
        raise JsonLdError(f"{actor.iri} does not publish the key {key_id}")
    node.keys.put(key_id, actor)
    return actor


async def cached_key(node: Runtime, key_id: str) -> RemoteActor | None:
    """The actor owning key_id as stored, from memory when it was used lately."""
    if (actor := node.keys.get(key_id)) is not None:
        return actor
    async with node.db.transaction() as session:
        cached = await remote_actors.by_key_id(session, key_id)
    if cached is None or cached.key_id != key_id or not cached.public_key_pem:
        return None
    node.keys.put(key_id, cached)
    return cached
