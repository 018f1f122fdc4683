"""What the node publishes about its actors: actor documents and their paged collections.

Deleted organisations answer with a Tombstone (served as 410); followers-only material never
appears here. An organisation that hides its follows shows their counts only: the followers
and following collections have no pages (Mastodon reads a collection without `first` as
hidden) and asking for a page is answered 404; with the node policy's hide_collections
(lockdown) every organisation's are shown so, a page answered 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import render_actors, render_collections
from node.activitypub.render_publications import tombstone
from node.errors import Forbidden, Gone, InvalidInput, NotFound
from node.federation.runtime import Runtime
from node.storage import actors, follows, objects, outbox
from node.storage.actors import LocalActor

DEFAULT_ICON_PATH = "/static/avatar.png"
COLLECTIONS = ("outbox", "followers", "following", "featured")
FOLLOWS = ("followers", "following")

Counter = Callable[[AsyncSession, LocalActor, str], Awaitable[int]]
Pager = Callable[[AsyncSession, LocalActor, str, int, int], Awaitable[list[Any]]]


class Deleted(Gone):
    def __init__(self, tombstone: dict[str, Any]) -> None:
        super().__init__(f"{tombstone['id']} was deleted")
        self.tombstone = tombstone


async def organisation(node: Runtime, name: str) -> LocalActor:
    """The organisation, or Deleted (with its Tombstone) if it was removed."""
    async with node.db.transaction() as session:
        actor = await actors.by_username(session, name)
    if actor.deleted_at is not None:
        raise Deleted(tombstone(node.urls.actor(name), actor.deleted_at, "Organization"))
    return actor


async def actor_document(node: Runtime, name: str) -> dict[str, Any]:
    return organisation_document(node, await organisation(node, name))


def organisation_document(node: Runtime, actor: LocalActor) -> dict[str, Any]:
    return render_actors.organisation_to_as(actor, node.urls, node.urls.base + DEFAULT_ICON_PATH)


async def instance_actor_document(node: Runtime) -> dict[str, Any]:
    async with node.db.transaction() as session:
        actor = await actors.instance_actor(session)
    return render_actors.instance_actor_to_as(
        actor.username, actor.public_key_pem, node.urls, actor.assertion_public
    )


COUNTERS: dict[str, Counter] = {
    "outbox": lambda s, a, iri: outbox.count_outbox(s, a.id),
    "featured": lambda s, a, iri: outbox.count_featured(s, a.id),
    "followers": lambda s, a, iri: follows.count_followers(s, iri),
    "following": lambda s, a, iri: follows.count_following(s, iri),
}
PAGERS: dict[str, Pager] = {
    "outbox": lambda s, a, iri, o, n: outbox.outbox_page(s, a.id, o, n),
    "featured": lambda s, a, iri, o, n: outbox.featured_page(s, a.id, o, n),
    "followers": lambda s, a, iri, o, n: follows.followers_page(s, iri, o, n),
    "following": lambda s, a, iri, o, n: follows.following_page(s, iri, o, n),
}


def parse_page(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1_000_000:
        raise InvalidInput(f"page must be a positive whole number, not {raw!r}")
    return int(raw)


async def collection_document(
    node: Runtime, name: str, which: str, page: int | None
) -> dict[str, Any]:
    actor = await organisation(node, name)
    urls = node.urls
    iri = f"{urls.actor(name)}/{which}"
    actor_iri = urls.actor(name)
    by_node = which in FOLLOWS and (await node.policy.current()).settings.hide_collections
    hidden = by_node or (actor.hide_follows and which in FOLLOWS)
    if by_node and page is not None:
        raise Forbidden(f"this node hides who its organisations' {which} are")
    if hidden and page is not None:
        raise NotFound(f"{name} shows only how many its {which} are")
    async with node.db.transaction() as session:
        total = await COUNTERS[which](session, actor, actor_iri)
        if hidden:
            return render_collections.counted_collection(iri, total)
        if page is None:
            document = render_collections.ordered_collection(iri, total, urls)
            # hidden: the count stays (it is the reach a cascade shows), the members do not
            return (
                {k: v for k, v in document.items() if k not in ("first", "last")}
                if hidden
                else document
            )
        offset = (page - 1) * render_collections.PAGE_SIZE
        items = await PAGERS[which](session, actor, actor_iri, offset, render_collections.PAGE_SIZE)
    return render_collections.ordered_collection_page(
        iri, render_collections.Page(page, items, total), urls
    )


async def instance_outbox(node: Runtime, page: int | None) -> dict[str, Any]:
    iri = f"{node.urls.instance_actor}/outbox"
    if page is None:
        return render_collections.ordered_collection(iri, 0, node.urls)
    return render_collections.ordered_collection_page(
        iri, render_collections.Page(page, [], 0), node.urls
    )


async def follow_counts(node: Runtime, actor: LocalActor) -> tuple[int, int]:
    iri = node.urls.actor(actor.username)
    async with node.db.transaction() as session:
        return await follows.count_followers(session, iri), await follows.count_following(
            session, iri
        )


async def publications(node: Runtime, actor: LocalActor) -> list[objects.StoredObject]:
    async with node.db.transaction() as session:
        return await objects.published_by(session, actor.id)
