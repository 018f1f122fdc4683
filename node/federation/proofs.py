"""Integrity proofs over storage: signing with a local actor's assertion key, and checking the
proofs of what arrives against the keys its owner publishes (FEP-8b32, FEP-521a).

A proof must be made by an assertion key of the signed thing's owner (the activity's actor, the
object's attributedTo: FEP-fe34), found in that actor's own document. A proof by anyone else's
key, or one that does not verify, is refused (SignatureError, 401); one whose key the owner does
not publish is ignored, as the FEP asks. An embedded object whose proof verified is kept as
signed (storage.signed_objects), with the key that verified it: trusted when someone else
passes it on, embedded in Announces. A circle call may be verified with a key its announcing
ally attests, when this node never met its author (node.federation.attestation).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urldefrag

from cryptography.hazmat.primitives.asymmetric import ed25519

from node.activitypub import integrity
from node.activitypub.fetch import SafeClient
from node.activitypub.objects import id_of
from node.errors import FederationError, SignatureError
from node.federation import attestation, remote_actors
from node.federation.runtime import Runtime
from node.storage import remote_actors as actor_rows
from node.storage import signed_objects
from node.storage.actors import ORGANIZATION, LocalActor
from node.storage.remote_actors import RemoteActor
from node.storage.signed_objects import KeyUsed
from node.urls import assertion_key_id, same_origin

log = logging.getLogger("node.proofs")
REFRESH_AFTER = timedelta(minutes=1)


@functools.lru_cache(maxsize=256)
def private_key(pem: str) -> ed25519.Ed25519PrivateKey:
    """A local actor's assertion key, loaded once."""
    return integrity.load_private(pem)


def sign_as(node: Runtime, actor: LocalActor, document: dict[str, Any]) -> dict[str, Any]:
    """`document` with a proof made with the organisation's assertion key (as it is when it has
    none; the instance actor signs only its alliance manifest, see federation.alliances)."""
    if actor.assertion_private_pem is None or actor.kind != ORGANIZATION:
        return document
    method = assertion_key_id(node.urls.actor(actor.username))
    key = private_key(actor.assertion_private_pem)
    return integrity.sign(document, key, method, node.clock.now())


async def check_received(node: Runtime, document: dict[str, Any], actor: str) -> None:
    """Check the proofs of an incoming activity (signed by `actor`) and of the object it
    embeds, before anything changes the document; keep a verified embedded object.

    What concerns a circle call may also be checked with the key its signed copy here was
    verified with, or the key the announcing ally attests (node.federation.attestation)."""
    proof = integrity.proof_of(document)
    if proof is not None:
        keys = await attestation.keys_for_activity(node, document, actor)
        await verify(node, document, proof, actor, keys)
    embedded = document.get("object")
    if not isinstance(embedded, dict):
        return
    proof = integrity.proof_of(embedded)
    owner = id_of(embedded.get("attributedTo"))
    iri = id_of(embedded.get("id"))
    if owner is not None and node.urls.is_local(owner):
        return  # our own object: the original is here
    if proof is None or owner is None or iri is None or not same_origin(iri, owner):
        return
    if not await attestation.admitted(node, document, actor, embedded):
        return  # a circle call from no ally of its addressees: nothing of it is kept
    keys = await attestation.keys_for_object(node, document, actor, embedded)
    used = await verify(node, embedded, proof, owner, keys)
    if used is not None:
        async with node.db.transaction() as session:
            await signed_objects.keep(session, iri, owner, embedded, node.clock.now(), used)


async def keep_if_signed(node: Runtime, document: dict[str, Any]) -> None:
    """A document fetched from its origin: kept as signed when it carries its owner's proof
    (a proof that fails is refused, as in an inbox)."""
    proof = integrity.proof_of(document)
    owner = id_of(document.get("attributedTo"))
    iri = id_of(document.get("id"))
    if proof is None or owner is None or iri is None or not same_origin(iri, owner):
        return
    used = await verify(node, document, proof, owner, received=False)
    if used is not None:
        async with node.db.transaction() as session:
            await signed_objects.keep(session, iri, owner, document, node.clock.now(), used)


async def verified(
    node: Runtime, document: dict[str, Any], proof: integrity.Proof, owner: str
) -> bool:
    """True when the owner's key verifies the proof; False when no such key can be found;
    SignatureError when the proof is the owner's and fails."""
    return await verify(node, document, proof, owner) is not None


async def verify(
    node: Runtime,
    document: dict[str, Any],
    proof: integrity.Proof,
    owner: str,
    fallbacks: Sequence[KeyUsed] = (),
    *,
    received: bool = True,
) -> KeyUsed | None:
    """The key that verifies the proof: the owner's own (its cached actor, fetched when
    needed); or, when this node has never cached the owner, one of `fallbacks` (keys a circle
    call brought, tried before any fetch, so a call can travel while its origin is down).
    None when no key can be found; SignatureError when the proof is the owner's and fails.
    `received`: the document came in a request, which may name any owner, so the owner is
    fetched within the key-fetch budget (federation.key_fetches), as HTTP signatures' keys are;
    documents the node fetched itself (`received=False`) use its own fetcher."""
    method = proof.verification_method
    if urldefrag(method).url != owner:
        raise SignatureError(f"a proof by {method} on what {owner} owns")
    offered = [key for key in fallbacks if key.key_id == method]
    if offered and not await is_cached(node, owner):
        for candidate in offered:
            if await _verifies(document, proof, candidate.public_key):
                return candidate
    key = await owner_key(node, owner, method, received=received)
    if key is None:
        if offered:
            raise SignatureError(f"the proof does not verify with the key attested for {owner}")
        return None
    if await _verifies(document, proof, key):
        return KeyUsed(method, key)
    fresh = await owner_key(node, owner, method, refresh=True, received=received)  # rotated?
    if fresh is None or fresh == key or not await _verifies(document, proof, fresh):
        raise SignatureError("the integrity proof does not verify")
    return KeyUsed(method, fresh)


async def _verifies(document: dict[str, Any], proof: integrity.Proof, multibase: str) -> bool:
    try:
        key = integrity.decode_public(multibase)
        await asyncio.to_thread(integrity.verify, document, proof, key)
    except SignatureError:
        return False
    return True


async def is_cached(node: Runtime, owner: str) -> bool:
    """Whether this node has met the owner (its actor is cached, even gone): then only the
    keys its own document published count, never one another actor attests for it."""
    async with node.db.transaction() as session:
        return await actor_rows.by_iri(session, owner) is not None


async def owner_key(
    node: Runtime, owner: str, method: str, *, refresh: bool = False, received: bool = True
) -> str | None:
    """The owner's assertion key `method` (a Multikey), from its cached actor; the actor is
    fetched again when the key is not there, at most once a REFRESH_AFTER (a key added since)."""
    try:
        actor = await owner_actor(node, owner, refresh=False, received=received)
        stale = node.clock.now() - actor.fetched_at >= REFRESH_AFTER
        if (refresh or method not in dict(actor.assertion_keys)) and stale:
            actor = await owner_actor(node, owner, refresh=True, received=received)
    except FederationError as exc:
        log.info("cannot read %s to check its proof: %s", owner, exc)
        return None
    return dict(actor.assertion_keys).get(method)


async def owner_actor(node: Runtime, owner: str, *, refresh: bool, received: bool) -> RemoteActor:
    """The cached actor, else fetched: within the key-fetch budget for what a request named."""
    if not received:
        return await remote_actors.get_actor(node, owner, refresh=refresh)
    if not refresh:
        async with node.db.transaction() as session:
            cached = await actor_rows.by_iri(session, owner)
        if cached is not None and not cached.gone:
            return cached

    async def fetch(client: SafeClient) -> RemoteActor:
        return await remote_actors.fetch_actor(node, owner, client=client)

    return await node.key_fetches.fetch(owner, fetch)


async def signed_copy(node: Runtime, iri: str) -> dict[str, Any] | None:
    """The object as its author signed it, when this node verified such a copy."""
    async with node.db.transaction() as session:
        found = await signed_objects.get(session, iri)
    return None if found is None else found.document
