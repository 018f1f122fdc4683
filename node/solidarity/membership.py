"""Membership of the web workspace: adding members (with a one-time sign-in link), setting a
password at first sign-in, signing in with throttling and lock-out, sessions, removing members.

Invariants: an email belongs to one organisation; passwords are argon2 hashes made off the
event loop; a link works once and for LINK_LIFETIME; an account locks for LOCK_FOR after
MAX_FAILURES wrong passwords in a row, and an address is refused for a while after
ADDRESS_LIMIT failures within ADDRESS_WINDOW, whichever accounts it tried. Failures are
committed before the refusal is raised. An organisation always keeps one owner. Adding and
removing a member, given who did it, is audited in the transaction of the change.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from node.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from node.federation.runtime import Runtime
from node.storage import actors, audit, member_sessions, members, signin_failures
from node.storage.actors import LocalActor
from node.storage.audit import Who
from node.storage.member_sessions import SignedIn
from node.storage.members import ROLES, Member

if TYPE_CHECKING:
    from argon2 import PasswordHasher

LINK_LIFETIME = timedelta(days=7)
SESSION_LIFETIME = timedelta(days=30)
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
ADDRESS_LIMIT = 20
ADDRESS_WINDOW = timedelta(minutes=15)
MIN_PASSWORD, MAX_PASSWORD = 10, 1000
MAX_EMAIL = 320


class Locked(Unauthorized):
    """Too many failed sign-ins, for this account or from this address (HTTP 429)."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class NewMember:
    member: Member
    link: str


def hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # loaded by the first sign-in, not by every process

    return PasswordHasher()


def check_email(email: str) -> str:
    text = email.strip().lower()
    name, at, domain = text.rpartition("@")
    if not at or not name or "." not in domain or len(text) > MAX_EMAIL or " " in text:
        raise InvalidInput(f"{email!r} is not an email address")
    return text


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


async def _org(node: Runtime, name: str) -> LocalActor:
    org = await actors_by_name(node, name)
    if org.is_deleted:
        raise NotFound(f"organisation {name!r} was deleted")
    return org


async def actors_by_name(node: Runtime, name: str) -> LocalActor:
    async with node.db.transaction() as session:
        return await actors.by_username(session, name)


async def organisation_of(node: Runtime, member: Member) -> LocalActor:
    async with node.db.transaction() as session:
        return await actors.by_id(session, member.actor_id)


async def _issue_link(node: Runtime, member: Member) -> str:
    secret = secrets.token_urlsafe(32)
    async with node.db.transaction() as session:
        await members.set_link(session, member.id, secret, node.clock.now() + LINK_LIFETIME)
    return node.urls.signin_link(secret)


async def add(
    node: Runtime, org_name: str, email: str, role: str, who: Who | None = None
) -> NewMember:
    """A new member and the one-time link with which they set their password."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    org = await _org(node, org_name)
    now = node.clock.now()
    async with node.db.transaction() as session:
        member = await members.add(session, org.id, check_email(email), role, now)
        if who is not None:
            details = {"email": member.email, "role": role}
            await audit.record(session, who, "member.add", org.username, now, details)
    return NewMember(member, await _issue_link(node, member))


async def new_link(node: Runtime, org_name: str, email: str) -> str:
    """A fresh one-time link (a forgotten password): the member sets a new one with it."""
    return await _issue_link(node, await member_of(node, org_name, email))


async def member_of(node: Runtime, org_name: str, email: str) -> Member:
    org = await _org(node, org_name)
    async with node.db.transaction() as session:
        found = await members.by_email(session, check_email(email))
    if found is None or found.actor_id != org.id:
        raise NotFound(f"{email} is not a member of {org_name}")
    return found


async def of(node: Runtime, org: LocalActor) -> list[Member]:
    async with node.db.transaction() as session:
        return await members.of_actor(session, org.id)


async def list_members(node: Runtime, org_name: str) -> list[Member]:
    return await of(node, await _org(node, org_name))


async def remove(
    node: Runtime,
    org_name: str,
    email: str,
    *,
    keep_an_owner: bool = True,
    who: Who | None = None,
) -> None:
    """Remove a member (their sessions end with them); the last owner stays unless the admin
    says otherwise."""
    member = await member_of(node, org_name, email)
    async with node.db.transaction() as session:
        owners = await members.count_owners(session, member.actor_id)
        if keep_an_owner and member.is_owner and owners <= 1:
            raise InvalidInput(f"{email} is the last owner of {org_name}")
        await member_sessions.end_all(session, member.id)
        await members.remove(session, member.id)
        if who is not None:
            details = {"email": member.email, "role": member.role}
            await audit.record(session, who, "member.remove", org_name, node.clock.now(), details)


async def by_link(node: Runtime, secret: str) -> Member:
    async with node.db.transaction() as session:
        found = await members.by_link(session, secret, node.clock.now())
    if found is None:
        raise NotFound("this sign-in link is unknown, used or expired: ask an owner for a new one")
    return found


async def set_password(node: Runtime, secret: str, password: str) -> str:
    """Use a link: set the password, end older sessions, and open one; its token."""
    member = await by_link(node, secret)
    hashed = await asyncio.to_thread(hasher().hash, check_password(password))
    now = node.clock.now()
    async with node.db.transaction() as session:
        if await members.by_link(session, secret, now) is None:
            raise NotFound("this sign-in link was used meanwhile")
        await members.set_password(session, member.id, hashed)
        await member_sessions.end_all(session, member.id)
        await members.record_signin(session, member.id, now)
        return await member_sessions.create(session, member.id, now, SESSION_LIFETIME)


async def _address_throttled(node: Runtime, address: str) -> None:
    now = node.clock.now()
    async with node.db.transaction() as session:
        recent = await signin_failures.count_since(session, address, now - ADDRESS_WINDOW)
    if recent >= ADDRESS_LIMIT:
        raise Locked("too many failed sign-ins from your address: wait and try again", now)


async def sign_in(node: Runtime, email: str, password: str, address: str) -> str:
    """A session token for the right email and password; Locked or Unauthorized otherwise."""
    await _address_throttled(node, address)
    now = node.clock.now()
    async with node.db.transaction() as session:
        member = await members.by_email(session, email.strip().lower())
    if member is not None and member.locked_until is not None and member.locked_until > now:
        raise Locked("this account is locked after repeated failures", member.locked_until)
    stored = member.password_hash if member is not None else None
    if await asyncio.to_thread(verify, stored, password[:MAX_PASSWORD]):
        assert member is not None
        async with node.db.transaction() as session:
            await members.record_signin(session, member.id, now)
            return await member_sessions.create(session, member.id, now, SESSION_LIFETIME)
    await _failed(node, member, address)
    raise Unauthorized("wrong email or password")


def verify(stored: str | None, password: str) -> bool:
    """argon2 verification; an unknown account costs the same time as a known one."""
    from argon2.exceptions import InvalidHashError, VerificationError

    ph = hasher()
    try:
        return ph.verify(stored or DUMMY.get(ph), password)
    except (VerificationError, InvalidHashError):
        return False


class _Dummy:
    """A hash of nothing, made once, so unknown accounts are verified against something."""

    value: str | None = None

    def get(self, ph: PasswordHasher) -> str:
        if self.value is None:
            self.value = ph.hash(secrets.token_hex(16))
        return self.value


DUMMY = _Dummy()


async def _failed(node: Runtime, member: Member | None, address: str) -> None:
    now = node.clock.now()
    async with node.db.transaction() as session:
        await signin_failures.add(session, address, now)
        await signin_failures.forget_before(session, now - ADDRESS_WINDOW)
        if member is not None:
            member = await members.record_failure(session, member.id, MAX_FAILURES, now + LOCK_FOR)
    if member is not None and member.locked_until is not None and member.locked_until > now:
        raise Locked("this account is locked after repeated failures", member.locked_until)


async def session_of(node: Runtime, token: str) -> SignedIn | None:
    async with node.db.transaction() as session:
        return await member_sessions.find(session, token, node.clock.now())


async def sign_out(node: Runtime, token: str) -> None:
    async with node.db.transaction() as session:
        await member_sessions.end(session, token)


async def sign_out_everywhere(node: Runtime, member: Member) -> int:
    async with node.db.transaction() as session:
        return await member_sessions.end_all(session, member.id)


async def add_by_owner(node: Runtime, owner: Member, email: str, role: str, who: Who) -> NewMember:
    """An owner adds a member to their own organisation from the workspace (audited)."""
    if not owner.is_owner:
        raise Forbidden("only owners manage members")
    org = await organisation_of(node, owner)
    return await add(node, org.username, email, role, who)


async def remove_by_owner(node: Runtime, owner: Member, member_id: int, who: Who) -> None:
    if not owner.is_owner:
        raise Forbidden("only owners manage members")
    async with node.db.transaction() as session:
        found = await members.get(session, member_id)
    if found is None or found.actor_id != owner.actor_id:
        raise NotFound(f"no member {member_id} in this organisation")
    org = await organisation_of(node, owner)
    await remove(node, org.username, found.email, who=who)


async def mark_notifications_seen(node: Runtime, member: Member) -> None:
    async with node.db.transaction() as session:
        await members.mark_seen(session, member.id, node.clock.now())


async def renew_feed(node: Runtime, member: Member) -> None:
    async with node.db.transaction() as session:
        await members.renew_feed(session, member.id)


async def get(node: Runtime, member_id: int) -> Member | None:
    async with node.db.transaction() as session:
        return await members.get(session, member_id)
