"""Creates applied together: the inbox lane's fast path for what arrives most.

A Create whose content object came embedded from the actor's own origin, by an author the node
has cached, is applied with others of its batch: the policy and the organisations' blocks
checked as on_create checks them, the objects read (sanitised) in one thread, stored with their
attachments and addressees in one transaction, then each told to `arrivals`. Anything else (an
object to fetch, an unknown author, a circle call) is left to inbox_effects.handle().
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from node.activitypub import circles
from node.activitypub.aliases import with_actors_resolved
from node.activitypub.objects import ActivityView, ObjectView
from node.activitypub.received_publications import PublicationView
from node.errors import OriginMismatch, SolidarityError
from node.federation import policy, recipients
from node.federation.arrivals import Arrivals
from node.federation.inbox_effects import (
    CONTENT_TYPES,
    blocked_by_author,
    parse_time,
    without_media,
)
from node.federation.runtime import Runtime
from node.storage import objects, remote_media
from node.storage import remote_actors as actor_rows
from node.storage.objects import Received
from node.storage.remote_actors import RemoteActor
from node.urls import Urls, same_origin


@dataclass(frozen=True)
class Applied:
    """What create_many made of one Create: applied, refused (`error`), or `left` for handle()."""

    left: bool = False
    error: Exception | None = None


Creates = Callable[[Runtime, Sequence[ActivityView]], Awaitable[list[Applied]]]


def creator(arrivals: Arrivals) -> Creates:
    """The inbox queue's batched Creates, with the network's rules (`arrivals`) handed in."""

    async def create(node: Runtime, activities: Sequence[ActivityView]) -> list[Applied]:
        return await create_many(node, activities, arrivals)

    return create


def embedded_from_origin(activity: ActivityView) -> ObjectView | None:
    """The Create's object when it came embedded from the actor's own origin, else None."""
    embedded = activity.embedded
    if embedded is None or not same_origin(str(embedded.get("id", "")), activity.actor):
        return None
    return ObjectView.from_document(embedded)


async def create_many(
    node: Runtime, activities: Sequence[ActivityView], arrivals: Arrivals
) -> list[Applied]:
    """Creates whose object came embedded from the actor's origin, applied together (see the
    module docstring). What on_create refuses is refused the same way."""
    results = [Applied(left=True) for _ in activities]
    ready = await _admitted(node, activities, _embedded_creates(activities, results), results)
    authors = await cached_actors(node, {activities[n].actor for n in ready})
    known = {  # an author not cached is left: handle() fetches it
        n: (obj, authors[activities[n].actor])
        for n, obj in ready.items()
        if activities[n].actor in authors
    }
    read = await asyncio.to_thread(_read_all, node.urls, known)
    now = node.clock.now()
    kept: dict[int, tuple[Received, PublicationView]] = {}
    for n, view in read.items():
        if isinstance(view, SolidarityError):
            results[n] = Applied(error=view)
            continue
        obj = ready[n]
        published = min(parse_time(obj.published, now), now)
        author = activities[n].actor
        kept[n] = (Received(obj.iri, author, view.content, view.document, published), view)
    async with node.db.transaction() as session:
        stored, new = await objects.put_received(session, [r for r, _ in kept.values()], now)
        addressed: list[tuple[int, tuple[dict[str, Any], ...]]] = []
        for n, (received, view) in kept.items():
            if received.iri in new:  # one already known is left as it is
                new.discard(received.iri)
                kept_object = stored[received.iri]
                if view.attachments:
                    await remote_media.replace(session, kept_object.id, view.attachments)
                addressed.append((kept_object.id, (ready[n].document, activities[n].document)))
        await recipients.record_new(session, node.urls, addressed)
    for n, (received, _) in kept.items():
        try:
            await arrivals.created(node, activities[n].iri, stored[received.iri])
        except Exception as exc:  # retried: the object is kept, so only this part runs again
            results[n] = Applied(error=exc)
            continue
        results[n] = Applied()
    return results


async def cached_actors(node: Runtime, iris: set[str]) -> dict[str, RemoteActor]:
    """These actors as cached: in memory (they signed lately), else read in one query."""
    found = {iri: actor for iri in iris if (actor := node.keys.actor(iri)) is not None}
    missing = iris - set(found)
    if missing:
        async with node.db.transaction() as session:
            read = await actor_rows.by_iris(session, missing)
        for actor in read.values():
            if actor.key_id and actor.public_key_pem:
                node.keys.put(actor.key_id, actor)
        found |= read
    return found


async def _admitted(
    node: Runtime,
    activities: Sequence[ActivityView],
    ready: dict[int, ObjectView],
    results: list[Applied],
) -> dict[int, ObjectView]:
    """What handle() and on_create would let through: hosts the policy refuses now are
    refused, a reply to an organisation that blocked its author is dropped, rejected media are
    left out; circle calls are left to handle()."""
    admitted: dict[int, ObjectView] = {}
    for n, obj in ready.items():
        activity = activities[n]
        if circles.is_circle(obj.document):
            continue
        try:
            await policy.refuse_hosts(node, activity.actor)
        except SolidarityError as exc:
            results[n] = Applied(error=exc)
            continue
        if await blocked_by_author(node, obj.attributed_to or "", obj.in_reply_to):
            results[n] = Applied()
            continue
        admitted[n] = await without_media(node, obj)
    return admitted


def _read_all(
    urls: Urls, found: dict[int, tuple[ObjectView, RemoteActor]]
) -> dict[int, PublicationView | SolidarityError]:
    """The objects read and sanitised, our actors named by their ids where an alias was used
    (CPU work: the caller runs this in a thread)."""
    read: dict[int, PublicationView | SolidarityError] = {}
    for n, (obj, author) in found.items():
        resolved = ObjectView.from_document(
            with_actors_resolved(obj.document, urls.canonical_actor)
        )
        try:
            read[n] = PublicationView.from_object(resolved, author.followers)
        except SolidarityError as exc:
            read[n] = exc
    return read


def _embedded_creates(
    activities: Sequence[ActivityView], results: list[Applied]
) -> dict[int, ObjectView]:
    """The content objects to keep, by position; refusals and other types settled in
    `results`, activities without an embedded object from their origin left as they are."""
    ready: dict[int, ObjectView] = {}
    for n, activity in enumerate(activities):
        try:
            obj = embedded_from_origin(activity)
            if obj is not None and obj.attributed_to != activity.actor:
                raise OriginMismatch(
                    f"{activity.actor} cannot create {obj.iri} for {obj.attributed_to}"
                )
        except SolidarityError as exc:
            results[n] = Applied(error=exc)
            continue
        if obj is None:
            continue
        if obj.type in CONTENT_TYPES:
            ready[n] = obj
        else:
            results[n] = Applied()
    return ready
