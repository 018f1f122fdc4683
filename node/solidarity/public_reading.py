"""What a visitor may read: the node's organisations with their open calls, the library of
public strategies and calls, feeds, a publication's public replies and pledges, a strategy's
versions, a call's cascade with readable names.

Only public publications of this node are listed (never unlisted, followers-only or direct);
a page of an unlisted one is reached by its address alone, as on Mastodon.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.federation.runtime import Runtime
from node.publication import Kind, Urgency, Visibility
from node.solidarity import cascade
from node.storage import actors, objects, publication_history, remote_actors, search
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject
from node.storage.publication_history import Version
from node.storage.search import Filters, Page
from node.urls import authority

URGENCY_ORDER = {Urgency.CRITICAL: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}
FEED_LIMIT = 50


@dataclass(frozen=True)
class OrganisationCalls:
    org: LocalActor
    calls: list[StoredObject]


def by_urgency_then_deadline(call: StoredObject) -> tuple[int, float]:
    deadline = call.fields.deadline
    urgency = call.fields.urgency or Urgency.NORMAL
    return URGENCY_ORDER[urgency], deadline.timestamp() if deadline else float("inf")


async def open_calls(node: Runtime, org: LocalActor, limit: int = 20) -> list[StoredObject]:
    async with node.db.transaction() as session:
        page = await search.listed(
            session, Filters(), actor_id=org.id, open_at=node.clock.now(), limit=limit
        )
    return sorted(page.items, key=by_urgency_then_deadline)


async def home(node: Runtime, per_org: int = 20) -> list[OrganisationCalls]:
    """Every organisation with its open public calls, in one query for all of them."""
    async with node.db.transaction() as session:
        orgs = await actors.list_organisations(session)
        page = await search.listed(
            session, Filters(), open_at=node.clock.now(), limit=search.MAX_LIMIT * 5
        )
    calls: dict[int, list[StoredObject]] = {}
    for call in page.items:
        calls.setdefault(call.local_actor_id or 0, []).append(call)
    return [
        OrganisationCalls(
            org, sorted(calls.get(org.id, []), key=by_urgency_then_deadline)[:per_org]
        )
        for org in orgs
    ]


async def library(
    node: Runtime, text: str, filters: Filters, cursor: str | None, limit: int = 20
) -> Page:
    async with node.db.transaction() as session:
        return await search.listed(session, filters, text=text, cursor=cursor, limit=limit)


async def feed(node: Runtime, org: LocalActor | None, filters: Filters) -> list[StoredObject]:
    async with node.db.transaction() as session:
        page = await search.listed(
            session, filters, actor_id=org.id if org else None, limit=FEED_LIMIT
        )
    return list(page.items)


async def responses(node: Runtime, stored: StoredObject) -> tuple[list[StoredObject], ...]:
    """Public replies and public pledges (others' followers-only answers stay out)."""
    async with node.db.transaction() as session:
        found = await objects.replies_to(session, stored.iri, visibilities=(Visibility.PUBLIC,))
    return [r for r in found if not r.content.is_pledge], [r for r in found if r.content.is_pledge]


async def versions(node: Runtime, stored: StoredObject) -> list[Version]:
    async with node.db.transaction() as session:
        return await publication_history.versions(session, stored.iri)


async def with_labels(node: Runtime, stored: StoredObject) -> StoredObject:
    async with node.db.transaction() as session:
        return await search.labels_of(session, stored)


async def cascade_tree(node: Runtime, call: StoredObject) -> dict[str, Any]:
    """The call's cascade as this node saw it, without looking up anyone's reach."""
    if call.kind is not Kind.CALL or call.visibility is not Visibility.PUBLIC:
        return {"object": call.iri, "nodes": []}
    return await cascade.tree(node, call, look_up_reach=False)


async def actor_labels(node: Runtime, iris: set[str]) -> dict[str, str]:
    """`@name@host` for each actor, from this node's organisations and its cache of others."""
    found: dict[str, str] = {}
    async with node.db.transaction() as session:
        for iri in sorted(iris):
            name = node.urls.actor_name(iri)
            if name is not None:
                found[iri] = f"@{name}@{node.urls.host}"
                continue
            actor = await remote_actors.by_iri(session, iri)
            user = actor.username if actor and actor.username else None
            found[iri] = f"@{user}@{authority(iri)}" if user else iri
    return found
