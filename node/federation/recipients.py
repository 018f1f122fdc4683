"""Which local organisations an object was addressed to, worked out once when it arrives (or
is published) and kept as a fact (node.storage.addressees) that every read checks.

An organisation is an addressee when the object or its activity names it in to, cc, bto, bcc
or audience, mentions it, or addresses a followers collection it belonged to at that moment:
a remote actor's (found by the `followers` IRI of cached actors) or a local organisation's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub.objects import addressed_iris
from node.activitypub.vocabulary import PUBLIC
from node.storage import actors, addressees, follows, remote_actors
from node.storage.objects import StoredObject
from node.urls import Urls

FOLLOWERS = "/followers"


async def organisations_addressed(
    session: AsyncSession, urls: Urls, documents: Iterable[dict[str, Any]]
) -> set[int]:
    """Row ids of the local organisations these documents (an object, its activity) address."""
    addressed: dict[str, None] = {}
    for document in documents:
        addressed.update(dict.fromkeys(addressed_iris(document)))
    names: set[str] = set()
    followed: set[str] = set()
    collections: list[str] = []
    for iri in addressed:
        if iri == PUBLIC:
            continue
        if (name := urls.actor_name(iri)) is not None:
            names.add(name)
        elif iri.endswith(FOLLOWERS) and (owner := urls.actor_name(iri[: -len(FOLLOWERS)])):
            followed.add(urls.actor(owner))
        elif not urls.is_local(iri):
            collections.append(iri)
    followed |= await remote_actors.owners_of_followers(session, collections)
    for follower in await follows.accepted_followers_of(session, followed):
        if (name := urls.actor_name(follower)) is not None:
            names.add(name)
    return await actors.organisation_ids(session, names)


async def record(
    session: AsyncSession, urls: Urls, stored: StoredObject, *documents: dict[str, Any]
) -> None:
    """In the caller's transaction: the object's addressees, from its document and activity."""
    found = await organisations_addressed(session, urls, documents)
    await addressees.replace(session, stored.id, found)


async def add(
    session: AsyncSession, urls: Urls, stored: StoredObject, *documents: dict[str, Any]
) -> None:
    """In the caller's transaction: more addressees (a circle call passed on to an ally's
    organisations here, or revised by its author), keeping those it had."""
    found = await organisations_addressed(session, urls, documents)
    await addressees.add(session, stored.id, found)
