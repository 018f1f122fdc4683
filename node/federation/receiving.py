"""An inbox POST, from screened bytes to a stored inbox item (or a refusal).

Order: parse, shape and the document's bounds (400: values, depth, contexts, addressees; one
walk, in the screening process for large bodies: federation.normalizing) ->
domain policy: blocks, allowlist (403) -> the backlog of the signer's host (503) -> signature
policy, time window and body digest (401, no network) -> key lookup (within the key-fetch
budget) and verification, refetching the key once on failure (401) -> the host's hourly rate
limit (429) -> an organisation's own inbox refuses actors it blocked (403) -> the key's owner
must be the activity's actor, or a subscribed relay forwarding it (401), or its author's Update
or Delete of a circle call forwarded along the call's path and proved by the author
(node.federation.forwarding) -> the activity id must be on the actor's origin (400) ->
integrity proofs (401 when one fails) -> JSON-LD normalisation (plain JSON as screened, else
pyld in its own thread, bounded: federation.normalizing) -> stored once
per id, in a batch with other requests' items, before the 202. Effects run in the worker. An
activity without an HTTP signature is accepted only on its actor's integrity proof (FEP-8b32).
"""

from __future__ import annotations

from typing import Any

from node.activitypub import integrity, signatures
from node.activitypub.fetch import SafeClient
from node.activitypub.keys import cached_public_key
from node.activitypub.objects import ActivityView
from node.activitypub.screening import Incoming
from node.errors import OriginMismatch, SignatureError
from node.federation import forwarding, policy, proofs, relays, remote_actors
from node.federation.runtime import Runtime
from node.storage import inbox_items
from node.storage.remote_actors import RemoteActor
from node.urls import authority, host_of, same_origin

RELAYED_TYPES = frozenset({"Create", "Update", "Delete", "Announce"})


class Dropped(Exception):
    """Accepted with 202 but not stored (a Delete from an actor that is already gone)."""


async def receive(node: Runtime, incoming: Incoming, recipient: str | None) -> bool:
    """Screen and store; True when the activity was new. Raises the errors the caller maps."""
    relayed_by = None
    screened = await node.normalizer.screen(node.jsonld, incoming.body)
    document, activity = screened.document, screened.activity
    sender = activity.actor
    if not has_signature(incoming) and "proof" in document:
        await authenticate_by_proof(node, document, activity)
    else:
        try:
            signer = await authenticate(node, incoming, activity)
        except Dropped:
            return False
        sender = signer.iri
        forwarded = signer.iri != activity.actor
        if forwarded and not await forwarding.accepts(node, document, activity):
            relayed_by = await forwarding_relay(node, signer.iri, activity)
    node.inbox_limits.admit(authority(sender))  # 429 once the host is over its hour
    policy.refuse_blocked_actor(await node.policy.current(), recipient, activity)
    if not same_origin(activity.iri, activity.actor):
        raise OriginMismatch(f"activity {activity.iri} is not on its actor's origin")
    await proofs.check_received(node, document, activity.actor)  # before anything changes it
    await forwarding.keep(node, document, activity)
    normalized = await node.normalizer.normalize(node.jsonld, screened)
    item = inbox_items.NewItem(
        activity_iri=activity.iri,
        actor_iri=activity.actor,
        type=activity.type,
        recipient=recipient,
        document=normalized,
        received_at=node.clock.now(),
        relayed_by=relayed_by,
        host=host_of(sender),
        as_sent=screened.as_sent if normalized is document else None,  # not serialised again
    )
    stored = await node.inbox_writer.store(item)  # returns once its batch committed
    if stored:
        node.inbox_backlog.stored(item.host)
        node.wake_inbox()
    return stored


def has_signature(incoming: Incoming) -> bool:
    return any(name.lower() in ("signature", "signature-input") for name in incoming.headers)


async def authenticate_by_proof(
    node: Runtime, document: dict[str, Any], activity: ActivityView
) -> None:
    """An activity without an HTTP signature that carries its actor's integrity proof
    (FEP-8b32: the proof authenticates it, wherever it came from); checked again with the
    embedded object's proof, before normalisation, in check_received."""
    await refuse_blocked(node, activity.actor, activity.actor)
    await node.inbox_backlog.admit(node.db.transaction, host_of(activity.actor))
    proof = integrity.proof_of(document)
    if proof is None or not await proofs.verified(node, document, proof, activity.actor):
        raise SignatureError(f"no HTTP signature, and no proof by a key {activity.actor} publishes")


async def forwarding_relay(node: Runtime, signer_iri: str, activity: ActivityView) -> str:
    """The relay that forwards another actor's activity (then handled by reference, see
    node.federation.relayed); anyone else signing for another actor is refused."""
    if activity.type in RELAYED_TYPES and await relays.accepted_relay(node, signer_iri):
        return signer_iri
    raise SignatureError(f"signed by {signer_iri}, but the activity's actor is {activity.actor}")


async def authenticate(
    node: Runtime, incoming: Incoming, activity: ActivityView | None = None
) -> RemoteActor:
    """The remote actor whose key signed this request (a POST with its activity, or a GET).

    Cheap checks first (policy, time window, digest), so garbage never costs a key fetch.
    """
    headers = {k.lower(): v for k, v in incoming.headers.items()}
    parsed = signatures.parse_signature(incoming.method, incoming.path_and_query, headers)
    await refuse_blocked(node, activity.actor if activity else parsed.key_id, parsed.key_id)
    if activity is not None:  # an inbox POST: its sender's host has a backlog of its own
        await node.inbox_backlog.admit(node.db.transaction, host_of(parsed.key_id))
    signatures.check_policy(parsed)
    signatures.check_time_window(parsed, headers, node.clock.now())
    signatures.check_body_digest(parsed, headers, incoming.body)
    return await verified_signer(node, parsed, headers, activity)


async def refuse_blocked(node: Runtime, actor: str, key_id: str) -> None:
    """Blocks and the allowlist, from the in-memory policy (see federation.policy)."""
    await policy.refuse_hosts(node, actor, key_id)


async def verified_signer(
    node: Runtime,
    parsed: signatures.ParsedSignature,
    headers: dict[str, str],
    activity: ActivityView | None,
) -> RemoteActor:
    """The actor whose key verifies the signature, refetching the key once on failure."""
    signer = await lookup(node, parsed.key_id, activity, refresh=False)
    try:
        verify(node, parsed, headers, signer)
        return signer
    except SignatureError:
        signer = await lookup(node, parsed.key_id, activity, refresh=True)
    verify(node, parsed, headers, signer)
    return signer


async def lookup(
    node: Runtime, key_id: str, activity: ActivityView | None, *, refresh: bool
) -> RemoteActor:
    """The key's actor: cached, else fetched within the key-fetch budget (key_fetches.py)."""
    if not refresh and (cached := await remote_actors.cached_key(node, key_id)) is not None:
        return cached
    if refresh and not node.key_fetches.may_refresh(key_id):
        raise SignatureError(f"the signature does not verify with the key {key_id}")

    async def fetch(client: SafeClient) -> RemoteActor:
        return await remote_actors.actor_for_key(node, key_id, refresh=True, client=client)

    try:
        return await node.key_fetches.fetch(key_id, fetch)
    except SignatureError as exc:
        if activity and activity.type == "Delete" and activity.object_id == activity.actor:
            raise Dropped from exc  # the actor deleted itself; its key is gone with it
        raise


def verify(
    node: Runtime,
    parsed: signatures.ParsedSignature,
    headers: dict[str, str],
    signer: RemoteActor,
) -> None:
    if not signer.public_key_pem:
        raise SignatureError(f"{signer.iri} has no public key")
    signatures.verify_cryptographic(
        parsed, cached_public_key(signer.public_key_pem), headers=headers, base_url=node.urls.base
    )
