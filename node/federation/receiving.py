"""An inbox POST, from screened bytes to a stored inbox item (or a refusal).

Order: parse and shape (400) -> domain policy (403) -> signature policy, time window and body
digest (401, no network) -> key lookup and verification, refetching the key once on failure
(401) -> the key's owner must be the activity's actor, or a subscribed relay forwarding it
(401) -> the activity id must be on the actor's origin (400) -> JSON-LD normalisation -> stored
once per id, in a batch with other requests' items, before the 202. Effects run in the worker.
"""

from __future__ import annotations

from node.activitypub import signatures
from node.activitypub.keys import cached_public_key
from node.activitypub.objects import ActivityView
from node.activitypub.screening import Incoming, parse_activity
from node.errors import (
    FetchError,
    Forbidden,
    Gone,
    JsonLdError,
    OriginMismatch,
    SignatureError,
)
from node.federation import relays, remote_actors
from node.federation.runtime import Runtime
from node.storage import inbox_items
from node.storage.remote_actors import RemoteActor
from node.urls import host_of, same_origin

RELAYED_TYPES = frozenset({"Create", "Update", "Delete", "Announce"})


class Dropped(Exception):
    """Accepted with 202 but not stored (a Delete from an actor that is already gone)."""


async def receive(node: Runtime, incoming: Incoming, recipient: str | None) -> bool:
    """Screen and store; True when the activity was new. Raises the errors the caller maps."""
    document, activity = parse_activity(incoming.body)
    try:
        signer = await authenticate(node, incoming, activity)
    except Dropped:
        return False
    relayed_by = None
    if signer.iri != activity.actor:
        relayed_by = await forwarding_relay(node, signer.iri, activity)
    if not same_origin(activity.iri, activity.actor):
        raise OriginMismatch(f"activity {activity.iri} is not on its actor's origin")
    normalized = node.jsonld.normalize(document)
    item = inbox_items.NewItem(
        activity_iri=activity.iri,
        actor_iri=activity.actor,
        type=activity.type,
        recipient=recipient,
        document=normalized,
        received_at=node.clock.now(),
        relayed_by=relayed_by,
    )
    stored = await node.inbox_writer.store(item)  # returns once its batch committed
    if stored:
        node.inbox_backlog.stored()
        node.wake_inbox()
    return stored


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
    signatures.check_policy(parsed)
    signatures.check_time_window(parsed, headers, node.clock.now())
    signatures.check_body_digest(parsed, headers, incoming.body)
    return await verified_signer(node, parsed, headers, activity)


async def refuse_blocked(node: Runtime, actor: str, key_id: str) -> None:
    """Domain blocks from the in-memory copy (re-read every few seconds: see storage.caches)."""
    blocked = await node.domain_blocks.blocked_among({host_of(actor), host_of(key_id)})
    if blocked:
        raise Forbidden(f"{min(blocked)} is blocked on this node")


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
    try:
        return await remote_actors.actor_for_key(node, key_id, refresh=refresh)
    except (FetchError, Gone, JsonLdError) as exc:
        if activity and activity.type == "Delete" and activity.object_id == activity.actor:
            raise Dropped from exc  # the actor deleted itself; its key is gone with it
        raise SignatureError(f"cannot get the key {key_id}: {exc}") from exc


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
