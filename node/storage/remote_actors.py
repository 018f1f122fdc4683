"""Cached remote actors: their key, inboxes and document, refreshed on key rotation.

Rows leave as RemoteActor views. Callers give already-validated fields (see
node.activitypub.objects.ActorView); this module trusts nothing else.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.follows import ACCEPTED
from node.storage.tables import FollowRow, RemoteActorRow


@dataclass(frozen=True)
class RemoteActor:
    iri: str
    type: str
    key_id: str | None
    public_key_pem: str | None
    username: str | None
    name: str | None
    inbox: str | None
    shared_inbox: str | None
    followers: str | None
    fetched_at: datetime
    gone: bool
    assertion_keys: tuple[tuple[str, str], ...] = ()  # (key id, publicKeyMultibase)

    @property
    def delivery_inbox(self) -> str | None:
        """Where to deliver public and followers-only activities: the shared inbox if any."""
        return self.shared_inbox or self.inbox


def to_view(row: RemoteActorRow) -> RemoteActor:
    return RemoteActor(
        iri=row.iri,
        type=row.ap_type,
        key_id=row.key_id,
        public_key_pem=row.ap_public_key_pem,
        username=row.ap_username,
        name=row.ap_name,
        inbox=row.ap_inbox,
        shared_inbox=row.ap_shared_inbox,
        followers=row.ap_followers,
        fetched_at=row.fetched_at,
        gone=row.gone_at is not None,
        assertion_keys=tuple((row.ap_assertion_keys or {}).items()),
    )


async def upsert(
    session: AsyncSession, actor: RemoteActor, document: dict[str, Any]
) -> RemoteActor:
    """Store or refresh the actor. Two requests may fetch the same new actor at once; the one
    whose insert loses to the other's updates the row the winner stored."""
    row = await session.scalar(select(RemoteActorRow).where(RemoteActorRow.iri == actor.iri))
    if row is None:
        try:
            async with session.begin_nested():
                row = _filled(RemoteActorRow(iri=actor.iri), actor, document)
                session.add(row)
        except IntegrityError:
            row = await session.scalar(
                select(RemoteActorRow).where(RemoteActorRow.iri == actor.iri)
            )
            if row is None:
                raise
    _filled(row, actor, document)
    await session.flush()
    return to_view(row)


def _filled(row: RemoteActorRow, actor: RemoteActor, document: dict[str, Any]) -> RemoteActorRow:
    row.ap_type = actor.type
    row.key_id = actor.key_id
    row.ap_public_key_pem = actor.public_key_pem
    row.ap_username = actor.username
    row.ap_name = actor.name
    row.ap_inbox = actor.inbox
    row.ap_shared_inbox = actor.shared_inbox
    row.ap_followers = actor.followers
    row.ap_assertion_keys = dict(actor.assertion_keys) or None
    row.document = document
    row.fetched_at = actor.fetched_at
    row.gone_at = None
    return row


async def by_iri(session: AsyncSession, iri: str) -> RemoteActor | None:
    row = await session.scalar(select(RemoteActorRow).where(RemoteActorRow.iri == iri))
    return None if row is None else to_view(row)


async def by_iris(session: AsyncSession, iris: Collection[str]) -> dict[str, RemoteActor]:
    """These actors as cached and not gone, by IRI (one query for a batch of them)."""
    if not iris:
        return {}
    rows = await session.scalars(
        select(RemoteActorRow).where(
            RemoteActorRow.iri.in_(list(iris)), RemoteActorRow.gone_at.is_(None)
        )
    )
    return {row.iri: to_view(row) for row in rows}


async def known_among(session: AsyncSession, iris: Collection[str]) -> set[str]:
    """Those of these actors that are cached and not gone."""
    if not iris:
        return set()
    found = await session.scalars(
        select(RemoteActorRow.iri).where(
            RemoteActorRow.iri.in_(list(iris)), RemoteActorRow.gone_at.is_(None)
        )
    )
    return set(found)


async def by_key_id(session: AsyncSession, key_id: str) -> RemoteActor | None:
    """The actor whose key has this id (or whose IRI is the key id without its fragment)."""
    base = key_id.split("#", 1)[0]
    row = await session.scalar(
        select(RemoteActorRow)
        .where(or_(RemoteActorRow.key_id == key_id, RemoteActorRow.iri == base))
        .order_by(RemoteActorRow.key_id == key_id)
        .limit(1)
    )
    return None if row is None else to_view(row)


async def mark_gone(session: AsyncSession, iri: str, now: datetime) -> None:
    row = await session.scalar(select(RemoteActorRow).where(RemoteActorRow.iri == iri))
    if row is not None:
        row.gone_at = now


async def follower_inboxes(session: AsyncSession, target_iri: str) -> list[str]:
    """Deduplicated delivery inboxes (shared where advertised) of a local actor's followers."""
    rows = await session.execute(
        select(RemoteActorRow.ap_shared_inbox, RemoteActorRow.ap_inbox)
        .join(FollowRow, FollowRow.follower_iri == RemoteActorRow.iri)
        .where(
            FollowRow.target_iri == target_iri,
            FollowRow.state == ACCEPTED,
            RemoteActorRow.gone_at.is_(None),
        )
    )
    return dedupe(shared or inbox for shared, inbox in rows if shared or inbox)


def dedupe(inboxes: Any) -> list[str]:
    return list(dict.fromkeys(inbox for inbox in inboxes if inbox))


async def inboxes_of(session: AsyncSession, iris: Sequence[str]) -> list[str]:
    """Personal inboxes of the given actors (for direct addressing), in the given order."""
    if not iris:
        return []
    rows = await session.execute(
        select(RemoteActorRow.iri, RemoteActorRow.ap_inbox).where(RemoteActorRow.iri.in_(iris))
    )
    found = {iri: inbox for iri, inbox in rows}
    return dedupe(found.get(iri) for iri in iris)


async def owners_of_followers(
    session: AsyncSession, collections: Collection[str]
) -> dict[str, set[str]]:
    """The cached actors whose followers collection is one of these, by collection."""
    found: dict[str, set[str]] = {}
    if not collections:
        return found
    rows = await session.execute(
        select(RemoteActorRow.ap_followers, RemoteActorRow.iri).where(
            RemoteActorRow.ap_followers.in_(list(collections))
        )
    )
    for collection, owner in rows:
        if collection is not None:
            found.setdefault(collection, set()).add(owner)
    return found
