"""Organisations: creating them with their keys, their tokens (issued with an optional expiry,
listed, revoked), profile changes (sent to their followers as an Update), and lookups. The
instance actor is federation.instance_actor's. Given a `who`, creating an organisation or a
token and changing a profile are audited in the same transaction (owner actions,
storage.audit)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import integrity, render_actors
from node.activitypub.keys import generate_key_pair
from node.clock import Clock
from node.errors import InvalidInput, NotFound
from node.federation import profiles, sending
from node.federation.runtime import Runtime
from node.storage import actors, audit, tokens
from node.storage.actors import ORGANIZATION, LocalActor, NewActor
from node.storage.audit import Who
from node.storage.db import Database
from node.urls import Urls, check_username

MAX_DISPLAY_NAME = 100
MAX_SUMMARY = 5000
MIN_HOPS, MAX_HOPS = 1, 20
MAX_LABEL = 200
MIN_DAYS, MAX_DAYS = 1, 3650
# the workspace's own paths (/workspace/admin, /workspace/signin, …): no organisation's name
WORKSPACE_PATHS = frozenset({"admin", "signin", "signout", "welcome", "feeds"})


async def create_organisation(
    db: Database,
    clock: Clock,
    urls: Urls,
    name: str,
    display_name: str = "",
    summary: str = "",
    manually_approves_followers: bool = False,
    *,
    who: Who | None = None,
) -> LocalActor:
    check_username(name)
    if name == urls.hostname:
        raise InvalidInput(f"{name!r} is reserved for the node's instance actor")
    if name in WORKSPACE_PATHS:
        raise InvalidInput(f"{name!r} is reserved for the workspace's own pages")
    if len(display_name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"display name is longer than {MAX_DISPLAY_NAME} characters")
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"summary is longer than {MAX_SUMMARY} characters")
    keys = await asyncio.to_thread(generate_key_pair)
    new = NewActor(
        assertion_keys=integrity.generate(),
        username=name,
        kind=ORGANIZATION,
        display_name=display_name.strip() or name,
        summary=summary.strip(),
        private_key_pem=keys.private_pem,
        public_key_pem=keys.public_pem,
        manually_approves_followers=manually_approves_followers,
    )
    now = clock.now()
    async with db.transaction() as session:
        actor = await actors.insert(session, new, now)
        if who is not None:
            await audit.record(session, who, "org.create", name, now)
        return actor


async def create_token(
    db: Database,
    clock: Clock,
    name: str,
    label: str = "",
    expires_days: int | None = None,
    *,
    who: Who | None = None,
) -> str:
    now = clock.now()
    async with db.transaction() as session:
        actor = await actors.by_username(session, name)
        if actor.is_deleted:
            raise InvalidInput(f"organisation {name!r} was deleted")
        issued = await issue_token(session, actor, label or "cli", now, expires_days)
        if who is not None:
            await audit.record(session, who, "token.create", name, now, {"label": label or "cli"})
        return issued.secret


async def issue_token(
    session: AsyncSession,
    actor: LocalActor,
    label: str,
    now: datetime,
    expires_days: int | None = None,
) -> tokens.Issued:
    """A new token of the organisation, expiring after `expires_days` (1-3650) if given."""
    if len(label) > MAX_LABEL:
        raise InvalidInput(f"a token's label is at most {MAX_LABEL} characters")
    expires_at = None
    if expires_days is not None:
        if isinstance(expires_days, bool) or not MIN_DAYS <= expires_days <= MAX_DAYS:
            raise InvalidInput(f"a token expires after {MIN_DAYS} to {MAX_DAYS} days")
        expires_at = now + timedelta(days=expires_days)
    return await tokens.issue(session, actor.id, label, now, expires_at)


async def list_tokens(db: Database, name: str) -> list[tokens.TokenInfo]:
    async with db.transaction() as session:
        actor = await actors.by_username(session, name)
        return await tokens.list_for(session, actor.id)


async def revoke_token(
    db: Database, name: str, token_id: int, *, who: Who | None = None, clock: Clock | None = None
) -> None:
    """Revoke one of the organisation's tokens; given `who` (and the clock), audited in the
    same transaction."""
    async with db.transaction() as session:
        actor = await actors.by_username(session, name)
        if not await tokens.revoke(session, actor.id, token_id):
            raise NotFound(f"{name} has no token {token_id}")
        if who is not None and clock is not None:
            details = {"token": token_id}
            await audit.record(session, who, "token.revoke", name, clock.now(), details)


async def update(
    node: Runtime,
    name: str,
    *,
    display_name: str | None = None,
    summary: str | None = None,
    manually_approves_followers: bool | None = None,
    rotate_key: bool = False,
    max_hops: int | None = None,
    hide_follows: bool | None = None,
    who: Who | None = None,
) -> LocalActor:
    """Change the profile (or the key) and send Update(actor) to every follower; max_hops,
    the organisation's own cap on how far it passes calls on, is not part of the profile.

    After a key rotation the Update is signed with the new key: receivers that cached the old
    one fail to verify, refetch the actor once and find the new key (Mastodon does the same).
    """
    if display_name is not None and len(display_name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"display name is longer than {MAX_DISPLAY_NAME} characters")
    if summary is not None and len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"summary is longer than {MAX_SUMMARY} characters")
    check_max_hops(max_hops)
    keys = assertion_keys = None
    if rotate_key:  # both keys: the RSA key of HTTP signatures, the Ed25519 key of proofs
        pair = await asyncio.to_thread(generate_key_pair)
        keys = (pair.private_pem, pair.public_pem)
        assertion_keys = integrity.generate()
    profile = (display_name, summary, manually_approves_followers, keys)
    given = {
        "display_name": display_name,
        "summary": summary,
        "manually_approves_followers": manually_approves_followers,
        "max_hops": max_hops,
        "hide_follows": hide_follows,
    }
    changed: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    if rotate_key:
        changed["rotate_key"] = True
    async with node.db.transaction() as session:
        actor = await actors.update_profile(
            session,
            name,
            node.clock.now(),
            display_name=display_name,
            summary=summary,
            manually_approves_followers=manually_approves_followers,
            keys=keys,
            assertion_keys=assertion_keys,
            max_hops=max_hops,
            hide_follows=hide_follows,
        )
        if who is not None:
            await audit.record(session, who, "org.update", name, node.clock.now(), changed)
        if any(value is not None for value in profile):
            document = profiles.organisation_document(node, actor)
            update_iri = node.urls.activity(uuid.uuid4().hex)
            update = render_actors.update_to_as(update_iri, document, node.urls)
            await sending.queue(session, node, actor, update)
    node.wake_worker()
    return actor


def check_max_hops(max_hops: int | None) -> None:
    if max_hops is None:
        return
    if isinstance(max_hops, bool) or not isinstance(max_hops, int):
        raise InvalidInput(f"max hops must be a whole number, not {max_hops!r}")
    if not MIN_HOPS <= max_hops <= MAX_HOPS:
        raise InvalidInput(f"max hops must be from {MIN_HOPS} to {MAX_HOPS}, not {max_hops}")


async def get(db: Database, name: str) -> LocalActor:
    async with db.transaction() as session:
        return await actors.by_username(session, name)


async def list_all(db: Database) -> list[LocalActor]:
    async with db.transaction() as session:
        return await actors.list_organisations(session)
