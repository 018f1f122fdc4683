"""Effects of received activities, one small function per type, chosen by a dispatch table.

Origin rules (FEP-fe34): the activity id's host, the signer (already checked equal to `actor`)
and an object's attribution must agree; an embedded object from another origin is fetched from
its origin, never trusted as sent; Update, Delete and Undo act only on the sender's own things.
The federation policy is checked again before each effect (it may have changed since the inbox
took the activity); an organisation's blocks drop the actor's replies and reactions to it.
A circle call (Visibility.CIRCLE) is taken from an Announce only when the Announce addresses an
organisation here that has its sender as an ally; its author's Update and Delete are passed
along the path its Announces took (node.federation.forwarding). Unknown types are ignored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from node.activitypub import circles
from node.activitypub.aliases import with_actors_resolved
from node.activitypub.objects import ACTOR_TYPES, ActivityView, ObjectView
from node.activitypub.received_publications import PublicationView
from node.activitypub.render_publications import tombstone
from node.errors import OriginMismatch
from node.federation import (
    attestation,
    flags,
    following,
    forwarding,
    policy,
    proofs,
    recipients,
    relays,
    remote_actors,
)
from node.federation.arrivals import Arrivals
from node.federation.runtime import Runtime
from node.publication import Visibility
from node.storage import (
    addressees,
    cascade,
    follows,
    objects,
    reactions,
    remote_media,
    signed_objects,
)
from node.storage import remote_actors as actor_rows
from node.storage.objects import StoredObject
from node.urls import authority, same_origin

log = logging.getLogger("node.inbox")
Handler = Callable[[Runtime, ActivityView, Arrivals], Awaitable[None]]
CONTENT_TYPES = frozenset({"Note", "Article", "Question", "Page", "Event", "Image", "Video"})
MEDIA_FIELDS = frozenset({"attachment", "image", "icon"})


async def handle(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    handler = HANDLERS.get(activity.type)
    if handler is not None:
        # the policy may have changed since the inbox took it: refused now, refused for good
        await policy.refuse_hosts(node, activity.actor)
        await handler(node, activity, arrivals)


async def blocked_by_author(node: Runtime, actor: str, object_iri: str | None) -> bool:
    """Whether the organisation whose publication `object_iri` is has blocked `actor`."""
    if object_iri is None or not node.urls.is_local(object_iri):
        return False
    current = await node.policy.current()
    if not current.blocked_actors:
        return False
    async with node.db.transaction() as session:
        stored = await objects.get(session, object_iri)
    name = node.urls.actor_name(stored.actor_iri) if stored else None
    return name is not None and current.blocks(name, actor)


async def without_media(node: Runtime, obj: ObjectView) -> ObjectView:
    """The object without attachments and images when its domain's media are rejected."""
    current = await node.policy.current()
    if not current.rejects_media(authority(obj.iri)):
        return obj
    kept = {k: v for k, v in obj.document.items() if k not in MEDIA_FIELDS}
    return ObjectView.from_document(kept)


async def resolve_object(node: Runtime, activity: ActivityView) -> ObjectView:
    """The activity's object: embedded when it comes from the actor's origin, the copy its
    author signed when its proof verified (the inbox kept it), else fetched from its origin."""
    embedded = activity.embedded
    if embedded is not None and same_origin(str(embedded.get("id", "")), activity.actor):
        return ObjectView.from_document(embedded)
    return await signed_or_fetched(node, activity.object_id or "")


async def signed_or_fetched(node: Runtime, iri: str) -> ObjectView:
    """An object of another origin: its verified signed copy if the node has one, else
    fetched from that origin (a signed copy found there is verified and kept)."""
    signed = await proofs.signed_copy(node, iri)
    if signed is not None:
        return ObjectView.from_document(signed)
    fetched = await node.fetcher.get_json(iri)
    await proofs.keep_if_signed(node, fetched.document)
    return ObjectView.from_document(fetched.document)


def addressed_to_ids(node: Runtime, obj: ObjectView) -> ObjectView:
    """The object with our actors named by their ids where it used an alias (/@NAME …)."""
    return ObjectView.from_document(with_actors_resolved(obj.document, node.urls.canonical_actor))


def parse_time(text: str | None, default: datetime) -> datetime:
    if not text:
        return default
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return default
    return moment if moment.tzinfo else default


async def on_create(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    obj = await resolve_object(node, activity)
    if obj.attributed_to != activity.actor or not same_origin(obj.iri, activity.actor):
        raise OriginMismatch(f"{activity.actor} cannot create {obj.iri} for {obj.attributed_to}")
    if obj.type not in CONTENT_TYPES or await blocked_by_author(
        node, obj.attributed_to or "", obj.in_reply_to
    ):
        return
    stored = await store_received(
        node, await without_media(node, obj), activity.actor, activity.document
    )
    await arrivals.created(node, activity.iri, stored)


async def store_received(
    node: Runtime, obj: ObjectView, author_iri: str, activity: dict[str, Any] | None = None
) -> StoredObject:
    """Keep a received object with its addressees (from the object and the activity that
    brought it); one already known is left as it is (a second Create changes nothing)."""
    followers = None  # a circle call is read by its marker: its author need not be reachable
    if not circles.is_circle(obj.document):
        followers = (await remote_actors.get_actor(node, author_iri)).followers
    view = await read_publication(addressed_to_ids(node, obj), followers)
    now = node.clock.now()
    async with node.db.transaction() as session:
        known = await objects.get(session, obj.iri)
        if known is not None:
            return known
        stored = await objects.put(
            session,
            iri=obj.iri,
            actor_iri=author_iri,
            content=view.content,
            document=view.document,
            published=min(parse_time(obj.published, now), now),
            now=now,
        )
        await remote_media.replace(session, stored.id, view.attachments)
        await recipients.record(session, node.urls, stored, obj.document, activity or {})
        return stored


async def read_publication(obj: ObjectView, followers: str | None) -> PublicationView:
    """Sanitising is CPU work (bounded per document): off the event loop, in a thread."""
    return await asyncio.to_thread(PublicationView.from_object, obj, followers)


async def on_update(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    embedded = activity.embedded or {}
    if embedded.get("type") in ACTOR_TYPES:
        if activity.object_id != activity.actor:
            raise OriginMismatch(f"{activity.actor} cannot update the actor {activity.object_id}")
        await remote_actors.get_actor(node, activity.actor, refresh=True)
        return
    obj = await resolve_object(node, activity)
    async with node.db.transaction() as session:
        author = await actor_rows.by_iri(session, activity.actor)
    followers = author.followers if author else None
    view = await read_publication(addressed_to_ids(node, obj), followers)
    async with node.db.transaction() as session:
        stored = await objects.get(session, obj.iri)
        if stored is None or stored.deleted_at is not None:
            return  # Mastodon too applies edits only to objects it knows
        if stored.actor_iri != activity.actor or obj.attributed_to != activity.actor:
            raise OriginMismatch(f"{activity.actor} cannot update {obj.iri}")
        revised = await objects.put(
            session,
            iri=obj.iri,
            actor_iri=stored.actor_iri,
            content=view.content,
            document=view.document,
            published=stored.published,
            now=node.clock.now(),
        )
        dropped = await remote_media.replace(session, stored.id, view.attachments)
        # a circle call keeps the organisations its allies passed it to; others are readdressed
        readdress = recipients.add if revised.visibility is Visibility.CIRCLE else recipients.record
        await readdress(session, node.urls, revised, obj.document, activity.document)
    await forget_copies(node, dropped)
    await forwarding.pass_along(node, activity.iri, obj.iri)


async def on_delete(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    target = activity.object_id or ""
    now = node.clock.now()
    if target == activity.actor:
        async with node.db.transaction() as session:
            await actor_rows.mark_gone(session, target, now)
            await follows.remove_all_of(session, target)
        node.keys.forget(target)
        return
    async with node.db.transaction() as session:
        stored = await objects.get(session, target)
        if stored is None:
            return
        if stored.actor_iri != activity.actor:
            raise OriginMismatch(f"{activity.actor} cannot delete {target}")
        await objects.tombstone(session, target, tombstone(target, now, stored.type), now)
        await signed_objects.forget(session, target)
        dropped = await remote_media.drop(session, stored.id)
    await forget_copies(node, dropped)
    await arrivals.withdrawn(node, target)
    await forwarding.pass_along(node, activity.iri, target)


async def forget_copies(node: Runtime, files: list[str]) -> None:
    """Copies of media an object no longer carries, deleted after their rows."""
    for name in files:
        await node.media_store.delete(name)


async def on_reaction(
    node: Runtime,
    activity: ActivityView,
    arrivals: Arrivals,
    known: StoredObject | None = None,
) -> None:
    """Like or Announce of something this node knows (an object it keeps, one of its actors):
    stored once per activity id; of anything else (or when the author blocked it), not kept.
    `known`: the object, when the caller has just read it."""
    if activity.object_id is None or await blocked_by_author(
        node, activity.actor, activity.object_id
    ):
        return
    async with node.db.transaction() as session:
        is_ours = node.urls.actor_name(activity.object_id) is not None
        if not is_ours and known is None and await objects.get(session, activity.object_id) is None:
            return
        await reactions.add(
            session,
            activity_iri=activity.iri,
            type=activity.type,
            actor_iri=activity.actor,
            object_iri=activity.object_id,
            now=node.clock.now(),
        )


async def on_announce(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    """A boost or cascade Announce: a reaction, and for a call a step of its cascade. The
    announced object is read once for all three steps (an Announce of a call is the cascade's
    most frequent message)."""
    known = await stored_object(node, activity.object_id)
    if not await circle_welcome(node, activity, known):
        return
    call = await announced_object(node, activity, arrivals, known)
    await on_reaction(node, activity, arrivals, call)
    if call is not None:
        await arrivals.announced(node, activity.iri, activity.actor, activity.document, call)


async def stored_object(node: Runtime, iri: str | None) -> StoredObject | None:
    if iri is None:
        return None
    async with node.db.transaction() as session:
        return await objects.get(session, iri)


async def circle_welcome(node: Runtime, activity: ActivityView, known: StoredObject | None) -> bool:
    """False for an Announce of someone else's circle call that addresses no organisation
    here having its sender as an ally (nothing of it is kept); True for anything else.
    `known`: the announced object as stored here."""
    if activity.object_id is None:
        return True
    if known is not None and known.local_actor_id is not None:
        return True  # our own call: its amplifiers' receipts draw its tree
    if not circles.is_circle(activity.embedded) and (
        known is None or known.visibility is not Visibility.CIRCLE
    ):
        return True
    async with node.db.transaction() as session:
        allied = await attestation.allied_addressees(
            session, node, activity.actor, activity.document
        )
    if not allied:
        log.info("ignored %s: a circle call from no ally of its addressees", activity.iri)
    return bool(allied)


async def announced_object(
    node: Runtime, activity: ActivityView, arrivals: Arrivals, known: StoredObject | None
) -> StoredObject | None:
    """The announced object if known; fetched from its origin only when an ally announced it.
    A circle call becomes readable by the organisations here that the Announce addresses and
    that have its sender as an ally (circle_welcome let only such Announces in)."""
    if activity.object_id is None:
        return None
    if known is None and await arrivals.wants_announces_of(node, activity.actor):
        known = await fetch_from_origin(node, activity.object_id)
    if known is not None and known.visibility is Visibility.CIRCLE and not known.local_actor_id:
        async with node.db.transaction() as session:
            allied = await attestation.allied_addressees(
                session, node, activity.actor, activity.document
            )
            await addressees.add(session, known.id, allied)
    return known


async def fetch_from_origin(node: Runtime, iri: str) -> StoredObject | None:
    """An object someone passed on, from its verified signed copy or else fetched from its
    own origin, kept if it is content."""
    obj = await signed_or_fetched(node, iri)
    author = obj.attributed_to
    if obj.iri != iri or author is None or not same_origin(obj.iri, author):
        raise OriginMismatch(f"{iri} is not {author}'s object on its own origin")
    if obj.type not in CONTENT_TYPES:
        return None
    return await store_received(node, await without_media(node, obj), author)


async def on_undo(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    inner = activity.embedded or {}
    kind = inner.get("type")
    if kind == "Follow" or (kind is None and activity.object_id):
        await following.on_undo_follow(node, activity)
    if kind in ("Like", "Announce") or kind is None:
        await undo_reaction(node, activity, inner, arrivals)


async def undo_reaction(
    node: Runtime, activity: ActivityView, inner: dict[str, Any], arrivals: Arrivals
) -> None:
    async with node.db.transaction() as session:
        found = await reactions.get(session, activity.object_id or "")
        if found is None and isinstance(inner.get("object"), str) and inner.get("type"):
            found = await reactions.find(session, inner["type"], activity.actor, inner["object"])
        if found is None:
            return
        if found.actor_iri != activity.actor:
            raise OriginMismatch(f"{activity.actor} cannot undo {found.activity_iri}")
        await reactions.remove(session, found.activity_iri)
        await cascade.remove(session, found.activity_iri)
        call = await objects.get(session, found.object_iri)
    if found.type == "Announce" and call is not None and call.actor_iri == activity.actor:
        await arrivals.withdrawn(node, call.iri)


async def on_accept(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    if not await relays.on_answer(node, activity, accepted=True):
        await following.on_answer(node, activity, accepted=True)


async def on_reject(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    if not await relays.on_answer(node, activity, accepted=False):
        await following.on_answer(node, activity, accepted=False)


async def on_follow(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    if node.urls.is_instance_actor(activity.object_id or ""):
        await relays.on_follow(node, activity)
    else:
        await following.on_follow(node, activity)


async def on_flag(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    await flags.on_flag(node, activity)


HANDLERS: dict[str, Handler] = {
    "Flag": on_flag,
    "Follow": on_follow,
    "Accept": on_accept,
    "Reject": on_reject,
    "Undo": on_undo,
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Like": on_reaction,
    "Announce": on_announce,
}
