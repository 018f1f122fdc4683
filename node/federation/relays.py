"""Relays: the instance actor subscribes to Mastodon- or LitePub-style relays.

A Mastodon-style relay is given by its inbox URL (…/inbox): the instance actor sends it a Follow
of the Public collection. A LitePub-style relay is given by its actor URL: the Follow names that
actor. Either way the relay answers Accept (or Reject) of that Follow, matched by its id; once
accepted, public calls published here are also delivered to the relay's inbox, and what the
relay passes on arrives in the shared inbox (see node.federation.relayed). A relay that follows
the instance actor back (LitePub relays do) is accepted.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import render_activities
from node.activitypub.objects import ACTOR_TYPES, ActivityView, ActorView, first_type, id_of, is_iri
from node.activitypub.vocabulary import PUBLIC
from node.errors import FetchError, InvalidInput, JsonLdError, NotFound, OriginMismatch
from node.federation import remote_actors, sending
from node.federation.runtime import Runtime
from node.publication import Fields, Kind, Visibility
from node.storage import actors
from node.storage import relays as relay_rows
from node.storage.actors import LocalActor
from node.storage.relays import ACCEPTED, LITEPUB, MASTODON, REJECTED, Relay
from node.urls import authority

log = logging.getLogger("node.relays")
STYLES = ("auto", MASTODON, LITEPUB)


def style_for(url: str, style: str) -> str:
    """`auto`: an inbox URL (path ending in /inbox) is a Mastodon-style relay, else LitePub."""
    if style not in STYLES:
        raise InvalidInput(f"relay style must be one of {', '.join(STYLES)}, not {style!r}")
    if style != "auto":
        return style
    return MASTODON if url.rstrip("/").endswith("/inbox") else LITEPUB


async def relay_actor(node: Runtime, url: str, *, required: bool) -> ActorView | None:
    """The relay's actor document at `url` (activityrelay serves it at its inbox URL too)."""
    try:
        document = (await node.fetcher.get_json(url)).document
    except (FetchError, JsonLdError) as exc:
        if required:
            raise InvalidInput(f"cannot read the relay actor at {url}: {exc}") from exc
        return None
    if first_type(document) not in ACTOR_TYPES or not is_iri(document.get("id")):
        if required:
            raise InvalidInput(f"{url} is not an ActivityPub actor")
        return None
    view = ActorView.from_document(document)
    await remote_actors.get_actor(node, view.iri)
    return view


async def add(node: Runtime, url: str, style: str = "auto") -> Relay:
    """Subscribe to the relay at `url` (its inbox, or its actor); the Follow is queued."""
    url = url.strip()
    if not is_iri(url):
        raise InvalidInput(f"{url!r} is not an http(s) URL")
    chosen = style_for(url, style)
    actor = await relay_actor(node, url, required=chosen == LITEPUB)
    if chosen == MASTODON:
        inbox = url
    else:
        assert actor is not None
        inbox = actor.shared_inbox or actor.inbox or ""
        if not is_iri(inbox):
            raise InvalidInput(f"the relay actor {actor.iri} has no inbox")
    follow_iri = node.urls.activity(uuid.uuid4().hex)
    async with node.db.transaction() as session:
        instance = await actors.instance_actor(session)
        relay = await relay_rows.put(
            session,
            inbox_url=inbox,
            actor_iri=actor.iri if actor else None,
            style=chosen,
            follow_iri=follow_iri,
            now=node.clock.now(),
        )
        follow = render_activities.follow_to_as(
            follow_iri, node.urls.instance_actor, follow_target(relay)
        )
        await queue_to(session, node, instance, relay, follow)
    node.wake_worker()
    log.info("asked %s relay %s to take this node (%s)", chosen, inbox, follow_iri)
    return relay


def follow_target(relay: Relay) -> str:
    return relay.actor_iri if relay.style == LITEPUB and relay.actor_iri else PUBLIC


async def queue_to(
    session: AsyncSession,
    node: Runtime,
    instance: LocalActor,
    relay: Relay,
    activity: dict[str, Any],
) -> None:
    """In the caller's transaction. LitePub: addressed to the relay actor, whose inbox it
    reaches; Mastodon: no addressee, delivered to the inbox URL the admin gave."""
    if relay.style == LITEPUB and relay.actor_iri:
        await sending.queue(session, node, instance, activity | {"to": [relay.actor_iri]})
    else:
        unaddressed = {k: v for k, v in activity.items() if k not in ("to", "cc")}
        inbox = [relay.inbox_url]
        await sending.queue(session, node, instance, unaddressed, extra_inboxes=inbox)


async def listed(node: Runtime) -> list[Relay]:
    async with node.db.transaction() as session:
        return await relay_rows.listed(session)


async def remove(node: Runtime, url: str) -> Relay:
    """Unsubscribe: Undo the Follow (sent to the relay's inbox) and forget the relay."""
    url = url.strip()
    async with node.db.transaction() as session:
        relay = await relay_rows.by_inbox(session, url) or await relay_rows.by_actor(session, url)
        if relay is None:
            raise NotFound(f"no relay {url} here; see 'solidarity-node relay list'")
        await relay_rows.remove(session, relay.id)
        instance = await actors.instance_actor(session)
        me = node.urls.instance_actor
        follow = render_activities.embedded_follow(relay.follow_iri, me, follow_target(relay))
        undo_iri = node.urls.activity(uuid.uuid4().hex)
        undo = render_activities.answer_to_as(undo_iri, "Undo", me, follow)
        await queue_to(session, node, instance, relay, undo)
    node.wake_worker()
    return relay


# what relays send ------------------------------------------------------------------------


async def on_answer(node: Runtime, activity: ActivityView, accepted: bool) -> bool:
    """An Accept or Reject of one of our relay Follows; False when it answers something else.

    Only an actor on the relay inbox's host may answer (the relay's actor is learnt here when
    the relay was given by its inbox URL)."""
    follow_iri = activity.object_id or id_of((activity.embedded or {}).get("id")) or ""
    async with node.db.transaction() as session:
        relay = await relay_rows.by_follow(session, follow_iri)
        if relay is None:
            return False
        known = relay.actor_iri
        if (known and known != activity.actor) or (
            not known and authority(activity.actor) != authority(relay.inbox_url)
        ):
            raise OriginMismatch(f"{activity.actor} cannot answer the Follow of {relay.inbox_url}")
        state = ACCEPTED if accepted else REJECTED
        await relay_rows.answered(session, relay.id, activity.actor, state, node.clock.now())
    log.info("relay %s: %s", relay.inbox_url, state)
    return True


async def accepted_relay(node: Runtime, actor_iri: str) -> Relay | None:
    async with node.db.transaction() as session:
        relay = await relay_rows.by_actor(session, actor_iri)
    return relay if relay is not None and relay.state == ACCEPTED else None


async def on_follow(node: Runtime, activity: ActivityView) -> None:
    """A Follow of the instance actor: a subscribed relay following back gets an Accept;
    anyone else is ignored (the instance actor has no followers of its own)."""
    async with node.db.transaction() as session:
        relay = await relay_rows.by_actor(session, activity.actor)
    if relay is None or relay.state == REJECTED:
        return
    await remote_actors.get_actor(node, activity.actor)
    me = node.urls.instance_actor
    follow = render_activities.embedded_follow(activity.iri, activity.actor, me)
    accept_iri = node.urls.activity(uuid.uuid4().hex)
    accept = render_activities.answer_to_as(accept_iri, "Accept", me, follow)
    async with node.db.transaction() as session:
        instance = await actors.instance_actor(session)
        await sending.queue(session, node, instance, accept)
    node.wake_worker()


async def inboxes_in(session: AsyncSession, fields: Fields) -> list[str]:
    """Relay inboxes a publication's activities also go to: public calls only (Mastodon, too,
    sends only public statuses to relays)."""
    if fields.kind is not Kind.CALL or fields.visibility is not Visibility.PUBLIC:
        return []
    return await relay_rows.accepted_inboxes(session)
