"""Which local organisations an object was addressed to, worked out once when it arrives (or
is published) and kept as a fact (node.storage.addressees) that every read checks.

An organisation is an addressee when the object or its activity names it in to, cc, bto, bcc
or audience, mentions it, or addresses a followers collection it belonged to at that moment:
a remote actor's (found by the `followers` IRI of cached actors) or a local organisation's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub.objects import addressed_iris
from node.activitypub.vocabulary import PUBLIC
from node.storage import actors, addressees, follows, remote_actors
from node.storage.objects import StoredObject
from node.urls import Urls

FOLLOWERS = "/followers"


@dataclass(frozen=True)
class _Named:
    """What documents name: local organisations, followed local actors, remote collections."""

    names: frozenset[str]
    followed: frozenset[str]
    collections: frozenset[str]


def _named(urls: Urls, documents: Iterable[dict[str, Any]]) -> _Named:
    addressed: dict[str, None] = {}
    for document in documents:
        addressed.update(dict.fromkeys(addressed_iris(document)))
    names: set[str] = set()
    followed: set[str] = set()
    collections: set[str] = set()
    for iri in addressed:
        if iri == PUBLIC:
            continue
        if (name := urls.actor_name(iri)) is not None:
            names.add(name)
        elif iri.endswith(FOLLOWERS) and (owner := urls.actor_name(iri[: -len(FOLLOWERS)])):
            followed.add(urls.actor(owner))
        elif not urls.is_local(iri):
            collections.add(iri)
    return _Named(frozenset(names), frozenset(followed), frozenset(collections))


async def _organisations(
    session: AsyncSession, urls: Urls, wanted: Sequence[_Named]
) -> list[set[int]]:
    """Row ids of the organisations each _Named addresses, in three queries for them all."""
    owners = await remote_actors.owners_of_followers(
        session, set().union(*(w.collections for w in wanted))
    )
    targets = [set(w.followed).union(*(owners.get(c, ()) for c in w.collections)) for w in wanted]
    followers = await follows.accepted_followers_by_target(session, set().union(*targets))
    names: list[set[str]] = []
    for named, followed in zip(wanted, targets, strict=True):
        found = set(named.names)
        for follower in set().union(*(followers.get(t, ()) for t in followed)):
            if (name := urls.actor_name(follower)) is not None:
                found.add(name)
        names.append(found)
    ids = await actors.organisation_ids_by_name(session, set().union(*names))
    return [{ids[name] for name in found if name in ids} for found in names]


async def organisations_addressed(
    session: AsyncSession, urls: Urls, documents: Iterable[dict[str, Any]]
) -> set[int]:
    """Row ids of the local organisations these documents (an object, its activity) address."""
    return (await _organisations(session, urls, [_named(urls, documents)]))[0]


async def record(
    session: AsyncSession, urls: Urls, stored: StoredObject, *documents: dict[str, Any]
) -> None:
    """In the caller's transaction: the object's addressees, from its document and activity."""
    found = await organisations_addressed(session, urls, documents)
    await addressees.replace(session, stored.id, found)


async def record_new(
    session: AsyncSession, urls: Urls, new: Sequence[tuple[int, Sequence[dict[str, Any]]]]
) -> None:
    """In the caller's transaction: the addressees of objects just stored (by row id, with
    their documents), worked out for all of them at once."""
    found = await _organisations(session, urls, [_named(urls, docs) for _, docs in new])
    await addressees.add_new(session, [(o, ids) for (o, _), ids in zip(new, found, strict=True)])


async def add(
    session: AsyncSession, urls: Urls, stored: StoredObject, *documents: dict[str, Any]
) -> None:
    """In the caller's transaction: more addressees (a circle call passed on to an ally's
    organisations here, or revised by its author), keeping those it had."""
    found = await organisations_addressed(session, urls, documents)
    await addressees.add(session, stored.id, found)
