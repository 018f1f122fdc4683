"""Effects of received activities, one small function per type, chosen by a dispatch table.

Origin rules (FEP-fe34): the activity id's host, the signer (already checked equal to `actor`)
and an object's attribution must agree; an embedded object from another origin is fetched from
its origin, never trusted as sent; Update, Delete and Undo act only on the sender's own things.
Unknown types are ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from node.activitypub.aliases import with_actors_resolved
from node.activitypub.objects import ACTOR_TYPES, ActivityView, ObjectView
from node.activitypub.received_publications import PublicationView
from node.activitypub.render_publications import tombstone
from node.errors import OriginMismatch
from node.federation import following, relays, remote_actors
from node.federation.arrivals import Arrivals
from node.federation.runtime import Runtime
from node.storage import cascade, follows, objects, reactions
from node.storage import remote_actors as actor_rows
from node.storage.objects import StoredObject
from node.urls import same_origin

Handler = Callable[[Runtime, ActivityView, Arrivals], Awaitable[None]]
CONTENT_TYPES = frozenset({"Note", "Article", "Question", "Page", "Event", "Image", "Video"})


async def handle(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    handler = HANDLERS.get(activity.type)
    if handler is not None:
        await handler(node, activity, arrivals)


async def resolve_object(node: Runtime, activity: ActivityView) -> ObjectView:
    """The activity's object: embedded when it comes from the actor's origin, else fetched."""
    embedded = activity.embedded
    if embedded is not None and same_origin(str(embedded.get("id", "")), activity.actor):
        return ObjectView.from_document(embedded)
    fetched = await node.fetcher.get_json(activity.object_id or "")
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
    if obj.type not in CONTENT_TYPES:
        return
    stored = await store_received(node, obj, activity.actor)
    await arrivals.created(node, activity.iri, stored)


async def store_received(node: Runtime, obj: ObjectView, author_iri: str) -> StoredObject:
    """Keep a received object; one already known is left as it is (a second Create changes
    nothing)."""
    author = await remote_actors.get_actor(node, author_iri)
    view = PublicationView.from_object(addressed_to_ids(node, obj), author.followers)
    now = node.clock.now()
    async with node.db.transaction() as session:
        known = await objects.get(session, obj.iri)
        if known is not None:
            return known
        return await objects.put(
            session,
            iri=obj.iri,
            actor_iri=author_iri,
            content=view.content,
            document=view.document,
            published=parse_time(obj.published, now),
            now=now,
        )


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
    view = PublicationView.from_object(
        addressed_to_ids(node, obj), author.followers if author else None
    )
    async with node.db.transaction() as session:
        stored = await objects.get(session, obj.iri)
        if stored is None or stored.deleted_at is not None:
            return  # Mastodon too applies edits only to objects it knows
        if stored.actor_iri != activity.actor or obj.attributed_to != activity.actor:
            raise OriginMismatch(f"{activity.actor} cannot update {obj.iri}")
        await objects.put(
            session,
            iri=obj.iri,
            actor_iri=stored.actor_iri,
            content=view.content,
            document=view.document,
            published=stored.published,
            now=node.clock.now(),
        )


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
    await arrivals.withdrawn(node, target)


async def on_reaction(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    """Like or Announce: stored once per activity id."""
    if activity.object_id is None:
        return
    async with node.db.transaction() as session:
        await reactions.add(
            session,
            activity_iri=activity.iri,
            type=activity.type,
            actor_iri=activity.actor,
            object_iri=activity.object_id,
            document=activity.document,
            now=node.clock.now(),
        )


async def on_announce(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    """A boost or cascade Announce: a reaction, and for a call a step of its cascade."""
    await on_reaction(node, activity, arrivals)
    call = await announced_object(node, activity, arrivals)
    if call is not None:
        await arrivals.announced(node, activity.iri, activity.actor, activity.document, call)


async def announced_object(
    node: Runtime, activity: ActivityView, arrivals: Arrivals
) -> StoredObject | None:
    """The announced object if known; fetched from its origin only when an ally announced it."""
    if activity.object_id is None:
        return None
    async with node.db.transaction() as session:
        known = await objects.get(session, activity.object_id)
    if known is not None or not await arrivals.wants_announces_of(node, activity.actor):
        return known
    return await fetch_from_origin(node, activity.object_id)


async def fetch_from_origin(node: Runtime, iri: str) -> StoredObject | None:
    """Fetch an object someone passed on from its own origin, and keep it if it is content."""
    fetched = await node.fetcher.get_json(iri)
    obj = ObjectView.from_document(fetched.document)
    author = obj.attributed_to
    if obj.iri != iri or author is None or not same_origin(obj.iri, author):
        raise OriginMismatch(f"{iri} is not {author}'s object on its own origin")
    if obj.type not in CONTENT_TYPES:
        return None
    return await store_received(node, obj, author)


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


HANDLERS: dict[str, Handler] = {
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
