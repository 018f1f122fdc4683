"""Follows in both directions: organisations following others, and others following them.

Outgoing: Follow, Undo; incoming: Follow (auto-accepted unless the organisation approves
followers by hand), Undo, and the Accept/Reject answering our own Follows. Every answer embeds
the Follow it answers and is signed by the followed actor, as Mastodon matches them.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import render_activities
from node.activitypub.objects import ActivityView, id_of, is_iri
from node.activitypub.webfinger import resolve
from node.errors import InvalidInput, NotFound, OriginMismatch
from node.federation import remote_actors, sending
from node.federation.runtime import Runtime
from node.storage import actors, follows
from node.storage.actors import LocalActor
from node.storage.follows import ACCEPTED, PENDING, REJECTED, Follow


def new_activity_iri(node: Runtime) -> str:
    return node.urls.activity(uuid.uuid4().hex)


async def resolve_target(node: Runtime, target: str) -> str:
    """An actor IRI from a handle (@name@host, name@host) or an actor URL."""
    text = target.strip()
    if is_iri(text):
        return node.urls.canonical_actor(text)  # /@NAME or /orgs/NAME of ours: the actor's id
    if "@" not in text:
        raise InvalidInput(f"{target!r} is neither a handle like name@host nor an actor URL")
    local = text.removeprefix("@").removeprefix("acct:").split("@")
    if len(local) == 2 and local[1].lower() == node.urls.host:
        return node.urls.actor(local[0])
    return await resolve(node.fetcher, text)


async def follow(node: Runtime, org: LocalActor, target: str) -> Follow:
    """Follow an actor (a handle or URL): the follow row and the Follow's delivery commit
    together; another organisation of this node is followed without the network."""
    org_iri = node.urls.actor(org.username)
    target_iri = await resolve_target(node, target)
    if target_iri == org_iri:
        raise InvalidInput("an organisation cannot follow itself")
    if node.urls.is_local(target_iri):
        return await follow_local(node, org_iri, target_iri)
    await remote_actors.get_actor(node, target_iri)
    async with node.db.transaction() as session:
        made = await follow_in(session, node, org, target_iri)
    node.wake_worker()
    return made


async def follow_in(
    session: AsyncSession, node: Runtime, org: LocalActor, target_iri: str
) -> Follow:
    """In the caller's transaction: a pending follow of a remote actor (cached beforehand) and
    its Follow queued; an accepted follow stays as it is."""
    org_iri = node.urls.actor(org.username)
    existing = await follows.get_pair(session, org_iri, target_iri)
    if existing is not None and existing.state == ACCEPTED:
        return existing
    follow_iri = new_activity_iri(node)
    made = await follows.put(session, org_iri, target_iri, PENDING, follow_iri, node.clock.now())
    follow = render_activities.follow_to_as(follow_iri, org_iri, target_iri)
    await sending.queue(session, node, org, follow)
    return made


async def follow_local(node: Runtime, org_iri: str, target_iri: str) -> Follow:
    """Another organisation of this node: no network, the same rules of approval."""
    async with node.db.transaction() as session:
        return await follow_local_in(session, node, org_iri, target_iri)


async def follow_local_in(
    session: AsyncSession, node: Runtime, org_iri: str, target_iri: str
) -> Follow:
    name = node.urls.actor_name(target_iri)
    target = await actors.by_username(session, name or "")
    if target.is_deleted:
        raise NotFound(f"{target_iri} was deleted")
    state = PENDING if target.manually_approves_followers else ACCEPTED
    return await follows.put(
        session, org_iri, target_iri, state, new_activity_iri(node), node.clock.now()
    )


async def unfollow(node: Runtime, org: LocalActor, key: str) -> None:
    org_iri = node.urls.actor(org.username)
    async with node.db.transaction() as session:
        found = await follows.by_follow_iri(session, node.urls.activity(key))
        if found is None or found.follower_iri != org_iri:
            raise NotFound(f"{org.username} has no follow {key}")
        await follows.remove(session, found.id)
        if not node.urls.is_local(found.target_iri) and found.follow_iri is not None:
            embedded = render_activities.embedded_follow(
                found.follow_iri, org_iri, found.target_iri
            )
            undo = render_activities.answer_to_as(new_activity_iri(node), "Undo", org_iri, embedded)
            await sending.queue(session, node, org, undo)
    node.wake_worker()


async def following_of(node: Runtime, org: LocalActor) -> list[Follow]:
    async with node.db.transaction() as session:
        return await follows.list_by_follower(session, node.urls.actor(org.username))


async def followers_of(node: Runtime, org: LocalActor) -> list[Follow]:
    async with node.db.transaction() as session:
        return await follows.list_by_target(session, node.urls.actor(org.username))


async def decide(node: Runtime, org: LocalActor, follower_iri: str, accept: bool) -> Follow:
    """Approve or refuse a pending follow request (organisations approving by hand)."""
    org_iri = node.urls.actor(org.username)
    async with node.db.transaction() as session:
        found = await follows.get_pair(session, follower_iri, org_iri)
        if found is None:
            raise NotFound(f"{follower_iri} has not asked to follow {org.username}")
        state = ACCEPTED if accept else REJECTED
        await follows.set_state(session, found.id, state, node.clock.now())
        if not accept:
            await follows.remove(session, found.id)
        if found.follow_iri and not node.urls.is_local(follower_iri):
            kind = "Accept" if accept else "Reject"
            await answer(session, node, org, found.follow_iri, follower_iri, kind)
    node.wake_worker()
    return Follow(
        found.id, follower_iri, org_iri, state, found.follow_iri, found.created_at, node.clock.now()
    )


async def answer(
    session: AsyncSession,
    node: Runtime,
    org: LocalActor,
    follow_iri: str,
    follower: str,
    kind: str,
) -> None:
    """Queue an Accept or Reject of a follow, in the caller's transaction."""
    org_iri = node.urls.actor(org.username)
    embedded = render_activities.embedded_follow(follow_iri, follower, org_iri)
    answer_iri = f"{org_iri}#{kind.lower()}s/{uuid.uuid4().hex}"
    activity = render_activities.answer_to_as(answer_iri, kind, org_iri, embedded)
    await sending.queue(session, node, org, activity)


# incoming ------------------------------------------------------------------------------


async def on_follow(node: Runtime, activity: ActivityView) -> None:
    # a Follow may name the profile URL (/@NAME) or another path of the actor: kept by its id
    target_iri = node.urls.canonical_actor(activity.object_id or "")
    name = node.urls.actor_name(target_iri)
    if name is None:
        return  # a Follow of something that is not one of our organisations: ignored
    await remote_actors.get_actor(node, activity.actor)  # its inbox, for the Accept
    async with node.db.transaction() as session:
        org = await actors.by_username(session, name)
        if org.is_deleted:
            return
        existing = await follows.get_pair(session, activity.actor, target_iri)
        manual = org.manually_approves_followers
        state = ACCEPTED if not manual or (existing and existing.state == ACCEPTED) else PENDING
        await follows.put(
            session, activity.actor, target_iri, state, activity.iri, node.clock.now()
        )
        if state == ACCEPTED:
            await answer(session, node, org, activity.iri, activity.actor, "Accept")
    node.wake_worker()


async def on_undo_follow(node: Runtime, activity: ActivityView) -> None:
    inner = activity.embedded or {}
    async with node.db.transaction() as session:
        found = await follows.by_follow_iri(session, activity.object_id or "")
        target = node.urls.canonical_actor(id_of(inner.get("object")) or "")
        if found is None and target:
            found = await follows.get_pair(session, activity.actor, target)
        if found is None:
            return
        if found.follower_iri != activity.actor:
            raise OriginMismatch(f"{activity.actor} cannot undo {found.follower_iri}'s follow")
        await follows.remove(session, found.id)


async def on_answer(node: Runtime, activity: ActivityView, accepted: bool) -> None:
    """An Accept or Reject of one of our Follows; only the followed actor may send it."""
    inner = activity.embedded or {}
    async with node.db.transaction() as session:
        found = await follows.by_follow_iri(session, activity.object_id or "")
        if found is None and inner.get("type") == "Follow":
            follower = id_of(inner.get("actor")) or ""
            found = await follows.get_pair(session, follower, activity.actor)
        if found is None or not node.urls.is_local(found.follower_iri):
            return
        if found.target_iri != activity.actor:
            raise OriginMismatch(f"{activity.actor} cannot answer a follow of {found.target_iri}")
        state = ACCEPTED if accepted else REJECTED
        await follows.set_state(session, found.id, state, node.clock.now())
