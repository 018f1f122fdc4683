"""Relay rows on SQLite and PostgreSQL: one per relay inbox, pending until answered (a relay
added again gets a new Follow), found by inbox, Follow or actor; accepted ones' inboxes."""

from __future__ import annotations

from datetime import timedelta

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.storage import relays
from node.storage.relays import ACCEPTED, LITEPUB, MASTODON, PENDING, REJECTED

INBOX = "https://relay.test/inbox"
ACTOR = "https://relay.test/actor"


async def test_a_relay_is_pending_until_answered(node: Runtime, clock: FrozenClock) -> None:
    async with node.db.transaction() as session:
        made = await relays.put(
            session,
            inbox_url=INBOX,
            actor_iri=None,
            style=MASTODON,
            follow_iri="https://node.test/activities/f1",
            now=clock.now(),
        )
        assert (made.state, made.actor_iri) == (PENDING, None)
        assert await relays.accepted_inboxes(session) == []
        await relays.answered(session, made.id, ACTOR, ACCEPTED, clock.now())
        assert await relays.accepted_inboxes(session) == [INBOX]
        assert await relays.by_follow(session, "https://node.test/activities/f1") is not None
        found = await relays.by_actor(session, ACTOR)
    assert found is not None and (found.id, found.state, found.actor_iri) == (
        made.id,
        ACCEPTED,
        ACTOR,
    )


async def test_a_relay_added_again_is_asked_again(node: Runtime, clock: FrozenClock) -> None:
    async with node.db.transaction() as session:
        first = await relays.put(
            session,
            inbox_url=INBOX,
            actor_iri=ACTOR,
            style=LITEPUB,
            follow_iri="f1",
            now=clock.now(),
        )
        await relays.answered(session, first.id, ACTOR, REJECTED, clock.now())
    clock.advance(timedelta(hours=1))
    async with node.db.transaction() as session:
        again = await relays.put(
            session,
            inbox_url=INBOX,
            actor_iri=ACTOR,
            style=LITEPUB,
            follow_iri="f2",
            now=clock.now(),
        )
        assert await relays.by_follow(session, "f1") is None
        listed = await relays.listed(session)
    assert (again.id, again.state, again.follow_iri) == (first.id, PENDING, "f2")
    assert (again.created_at, again.updated_at) == (first.created_at, clock.now())
    assert listed == [again]


async def test_a_removed_relay_is_forgotten(node: Runtime, clock: FrozenClock) -> None:
    async with node.db.transaction() as session:
        made = await relays.put(
            session,
            inbox_url=INBOX,
            actor_iri=None,
            style=MASTODON,
            follow_iri="f1",
            now=clock.now(),
        )
        await relays.remove(session, made.id)
        assert await relays.by_inbox(session, INBOX) is None
        assert await relays.listed(session) == []
