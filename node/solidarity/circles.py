"""Circles: an organisation's named lists of trusted allies, and who may read a circle call.

A circle is the whole audience of a circle call its organisation publishes (addressed to its
members only), and where the organisation passes on the circle calls of an ally whose record
names the circle (node.solidarity.trusted_cascade). Members are actors (handle or URL), local
or remote, never the organisation itself; remote ones are fetched and cached when added, so
that publishing needs no network to address them.

Reading: a circle call is readable by its author, by the actors it addresses, and by an
organisation here that an Announce of it addressed, when that Announce came from one of the
organisation's allies (received, or sent by another organisation of this node).

Making a circle, changing its members and deleting it are owner actions: audited
(storage.audit: circle.create, circle.members.add, circle.members.remove, circle.delete) in
the transaction of the change, by whoever did it (`who`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.federation import following, remote_actors
from node.federation.runtime import Runtime
from node.publication import Visibility
from node.solidarity.validation import circle_name
from node.storage import actors, addressees, audit, circles
from node.storage.actors import LocalActor
from node.storage.audit import Who
from node.storage.circles import Circle
from node.storage.objects import StoredObject

MAX_MEMBERS = 500
MAX_CIRCLES = 100
MAX_TARGETS = 100


async def resolve_members(node: Runtime, org: LocalActor, targets: Sequence[str]) -> list[str]:
    """Actor IRIs of the given handles or URLs: local organisations that exist, or remote
    actors fetched and cached now (before any transaction writes)."""
    if len(targets) > MAX_TARGETS:
        raise InvalidInput(f"at most {MAX_TARGETS} members at once")
    found = []
    for target in targets:
        iri = await following.resolve_target(node, target)
        if iri == node.urls.actor(org.username):
            raise InvalidInput("an organisation is not a member of its own circle")
        if node.urls.is_local(iri):
            name = node.urls.actor_name(iri)
            if name is None:
                raise InvalidInput(f"{target!r} is not an organisation of this node")
            async with node.db.transaction() as session:
                await actors.by_username(session, name)
        else:
            await remote_actors.get_actor(node, iri)
        found.append(iri)
    return list(dict.fromkeys(found))


async def add(
    node: Runtime,
    org: LocalActor,
    name: str,
    targets: Sequence[str],
    *,
    who: Who,
    only_new: bool = False,
) -> tuple[Circle, bool]:
    """Add members to the circle, making it first when it does not exist (only_new: refuse
    one that exists); True when new. Audited as circle.create or circle.members.add, with the
    members that were not in yet."""
    circle_name(name)
    members = await resolve_members(node, org, targets)
    now = node.clock.now()
    async with node.db.transaction() as session:
        circle = await circles.named(session, org.id, name)
        created = circle is None
        if circle is not None and only_new:
            raise InvalidInput(f"{org.username} has a circle {name!r} already: change it instead")
        if circle is None:
            if len(await circles.of_actor(session, org.id)) >= MAX_CIRCLES:
                raise InvalidInput(f"{org.username} has {MAX_CIRCLES} circles already")
            circle = await circles.create(session, org.id, name, now)
        if len(set(circle.members) | set(members)) > MAX_MEMBERS:
            raise InvalidInput(f"a circle holds at most {MAX_MEMBERS} members")
        await circles.add_members(session, circle.id, members, now)
        new = [iri for iri in members if iri not in circle.members]
        action = "circle.create" if created else "circle.members.add"
        details = {"org": org.username, "members": new}
        await audit.record(session, who, action, name, now, details)
        changed = await circles.by_id(session, circle.id)
    assert changed is not None
    return changed, created


async def remove_members(
    node: Runtime, org: LocalActor, name: str, targets: Sequence[str], *, who: Who
) -> Circle:
    """Take members out (an actor URL as it is listed, or a handle); unknown ones are left.
    Audited as circle.members.remove, with the members that were in."""
    circle = await get(node, org, name)
    wanted = [await following.resolve_target(node, target) for target in targets]
    now = node.clock.now()
    async with node.db.transaction() as session:
        before = await circles.by_id(session, circle.id)
        if before is None:
            raise NotFound(f"{org.username} has no circle {name!r}")
        await circles.remove_members(session, circle.id, wanted, now)
        removed = [iri for iri in dict.fromkeys(wanted) if iri in before.members]
        details = {"org": org.username, "members": removed}
        await audit.record(session, who, "circle.members.remove", name, now, details)
        changed = await circles.by_id(session, circle.id)
    assert changed is not None
    return changed


async def delete(node: Runtime, org: LocalActor, name: str, *, who: Who) -> None:
    """Delete the circle; ally records that passed calls on to it then pass none on. Audited
    as circle.delete, with how many members it had."""
    circle = await get(node, org, name)
    async with node.db.transaction() as session:
        before = await circles.by_id(session, circle.id)
        if before is None:
            raise NotFound(f"{org.username} has no circle {name!r}")
        await circles.delete_circle(session, circle.id)
        details = {"org": org.username, "members": len(before.members)}
        await audit.record(session, who, "circle.delete", name, node.clock.now(), details)


async def get(node: Runtime, org: LocalActor, name: str) -> Circle:
    async with node.db.transaction() as session:
        found = await circles.named(session, org.id, name)
    if found is None:
        raise NotFound(f"{org.username} has no circle {name!r}")
    return found


async def of(node: Runtime, org: LocalActor) -> list[Circle]:
    async with node.db.transaction() as session:
        return await circles.of_actor(session, org.id)


async def audience(session: AsyncSession, org: LocalActor, name: str) -> tuple[str, ...]:
    """The members a circle call to `name` is addressed to; InvalidInput when the circle does
    not exist or is empty (a call must not go out to no one, nor to anyone else)."""
    circle = await circles.named(session, org.id, name)
    if circle is None:
        raise InvalidInput(f"{org.username} has no circle {name!r}: make it first")
    if not circle.members:
        raise InvalidInput(f"the circle {name!r} has no members")
    return circle.members


async def may_read(node: Runtime, stored: StoredObject, org: LocalActor) -> bool:
    """Whether `org` may read this call (anything but a circle call: as before). A circle call:
    its author, the members it was addressed to, and the organisations an ally of theirs passed
    it on to (recorded as addressees when the Announce came, or was sent from this node)."""
    if stored.visibility is not Visibility.CIRCLE or stored.local_actor_id == org.id:
        return True
    async with node.db.transaction() as session:
        return await addressees.may_read(session, stored, org.id)
