"""Local actors: organisations and the instance actor, leaving this module as LocalActor views."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.storage.tables import ActorRow
from node.urls import LEGACY_PATH

ORGANIZATION = "organization"
APPLICATION = "application"
DEFAULT_MAX_HOPS = 6


@dataclass(frozen=True)
class LocalActor:
    id: int
    username: str
    kind: str
    display_name: str
    summary: str
    manually_approves_followers: bool
    discoverable: bool
    indexable: bool
    fields: tuple[tuple[str, str], ...]
    icon_url: str | None
    private_key_pem: str
    public_key_pem: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    max_hops: int = DEFAULT_MAX_HOPS  # how far this organisation passes calls on
    assertion_private_pem: str | None = None  # Ed25519 (PKCS#8 PEM): integrity proofs
    assertion_public: str | None = None  # its public half, as a Multikey
    hide_follows: bool = False  # followers and following collections show counts only

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def to_view(row: ActorRow) -> LocalActor:
    return LocalActor(
        id=row.id,
        username=row.username,
        kind=row.kind,
        display_name=row.display_name,
        summary=row.summary,
        manually_approves_followers=row.manually_approves_followers,
        discoverable=row.discoverable,
        indexable=row.indexable,
        fields=tuple((str(f["name"]), str(f["value"])) for f in row.fields),
        icon_url=row.icon_url,
        private_key_pem=row.private_key_pem,
        public_key_pem=row.public_key_pem,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        max_hops=row.max_hops,
        assertion_private_pem=row.assertion_private_pem,
        assertion_public=row.assertion_public,
        hide_follows=row.hide_follows,
    )


@dataclass(frozen=True)
class NewActor:
    username: str
    kind: str
    display_name: str
    summary: str
    private_key_pem: str
    public_key_pem: str
    fields: tuple[tuple[str, str], ...] = ()
    manually_approves_followers: bool = False
    assertion_keys: tuple[str, str] | None = None  # (private PEM, public Multikey)


async def insert(session: AsyncSession, new: NewActor, now: datetime) -> LocalActor:
    row = ActorRow(
        username=new.username,
        kind=new.kind,
        display_name=new.display_name,
        summary=new.summary,
        manually_approves_followers=new.manually_approves_followers,
        discoverable=True,
        indexable=True,
        fields=[{"name": n, "value": v} for n, v in new.fields],
        private_key_pem=new.private_key_pem,
        public_key_pem=new.public_key_pem,
        assertion_private_pem=new.assertion_keys[0] if new.assertion_keys else None,
        assertion_public=new.assertion_keys[1] if new.assertion_keys else None,
        max_hops=DEFAULT_MAX_HOPS,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise InvalidInput(f"the name {new.username!r} is already taken on this node") from exc
    return to_view(row)


async def by_username(session: AsyncSession, username: str, kind: str = ORGANIZATION) -> LocalActor:
    """The actor of that name, deleted ones included; NotFound if none."""
    row = await session.scalar(
        select(ActorRow).where(ActorRow.username == username, ActorRow.kind == kind)
    )
    if row is None:
        raise NotFound(f"no organisation named {username!r} on this node")
    return to_view(row)


async def by_id(session: AsyncSession, actor_id: int) -> LocalActor:
    """The actor with that row id, deleted ones included; NotFound if none."""
    row = await session.get(ActorRow, actor_id)
    if row is None:
        raise NotFound(f"no local actor {actor_id} on this node")
    return to_view(row)


async def instance_actor(session: AsyncSession) -> LocalActor:
    row = await session.scalar(select(ActorRow).where(ActorRow.kind == APPLICATION))
    if row is None:
        raise NotFound("this node has no instance actor; run 'solidarity-node init'")
    return to_view(row)


async def has_instance_actor(session: AsyncSession) -> bool:
    found = await session.scalar(select(ActorRow.id).where(ActorRow.kind == APPLICATION))
    return found is not None


async def list_organisations(session: AsyncSession) -> list[LocalActor]:
    rows = await session.scalars(
        select(ActorRow)
        .where(ActorRow.kind == ORGANIZATION, ActorRow.deleted_at.is_(None))
        .order_by(ActorRow.username)
    )
    return [to_view(row) for row in rows]


async def legacy_path_names(session: AsyncSession) -> frozenset[str]:
    """The organisations whose actor ids live under /orgs/ (see node.urls.Urls)."""
    names = await session.scalars(
        select(ActorRow.username).where(
            ActorRow.kind == ORGANIZATION, ActorRow.actor_path == LEGACY_PATH
        )
    )
    return frozenset(names)


async def count_organisations(session: AsyncSession) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(ActorRow)
        .where(ActorRow.kind == ORGANIZATION, ActorRow.deleted_at.is_(None))
    )
    return int(total or 0)


async def mark_deleted(session: AsyncSession, username: str, now: datetime) -> None:
    row = await session.scalar(
        select(ActorRow).where(ActorRow.username == username, ActorRow.kind == ORGANIZATION)
    )
    if row is None:
        raise NotFound(f"no organisation named {username!r} on this node")
    row.deleted_at = now
    row.updated_at = now


async def update_profile(
    session: AsyncSession,
    username: str,
    now: datetime,
    *,
    display_name: str | None = None,
    summary: str | None = None,
    manually_approves_followers: bool | None = None,
    keys: tuple[str, str] | None = None,
    assertion_keys: tuple[str, str] | None = None,
    max_hops: int | None = None,
    hide_follows: bool | None = None,
) -> LocalActor:
    """Change what was given (keys as (private_pem, public_pem), assertion_keys as (private
    PEM, public Multikey)); bumps updated_at."""
    row = await session.scalar(
        select(ActorRow).where(ActorRow.username == username, ActorRow.kind == ORGANIZATION)
    )
    if row is None or row.deleted_at is not None:
        raise NotFound(f"no organisation named {username!r} on this node")
    if display_name is not None:
        row.display_name = display_name
    if summary is not None:
        row.summary = summary
    if manually_approves_followers is not None:
        row.manually_approves_followers = manually_approves_followers
    if keys is not None:
        row.private_key_pem, row.public_key_pem = keys
    if assertion_keys is not None:
        row.assertion_private_pem, row.assertion_public = assertion_keys
    if max_hops is not None:
        row.max_hops = max_hops
    if hide_follows is not None:
        row.hide_follows = hide_follows
    row.updated_at = now
    await session.flush()
    return to_view(row)


async def organisation_ids(session: AsyncSession, usernames: Collection[str]) -> set[int]:
    """Row ids of the organisations (not deleted) with these names."""
    return set((await organisation_ids_by_name(session, usernames)).values())


async def organisation_ids_by_name(
    session: AsyncSession, usernames: Collection[str]
) -> dict[str, int]:
    """The row id of each organisation (not deleted) among these names."""
    if not usernames:
        return {}
    rows = await session.execute(
        select(ActorRow.username, ActorRow.id).where(
            ActorRow.username.in_(list(usernames)),
            ActorRow.kind == ORGANIZATION,
            ActorRow.deleted_at.is_(None),
        )
    )
    return {username: actor_id for username, actor_id in rows}
