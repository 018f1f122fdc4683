"""Follow rows on SQLite and PostgreSQL: one per (follower, target), a Follow id naming one
relation, accepted ones counted and paged newest first, removal one by one or of an actor."""

from __future__ import annotations

from datetime import timedelta

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.storage import follows
from node.storage.follows import ACCEPTED, PENDING, REJECTED

ALPHA = "https://node.test/users/alpha"


def remote(n: int) -> str:
    return f"https://remote.test/users/u{n}"


async def test_put_creates_then_updates_one_relation(node: Runtime, clock: FrozenClock) -> None:
    async with node.db.transaction() as session:
        made = await follows.put(
            session, remote(1), ALPHA, PENDING, f"{remote(1)}/f/1", clock.now()
        )
    clock.advance(timedelta(minutes=1))
    async with node.db.transaction() as session:
        again = await follows.put(session, remote(1), ALPHA, ACCEPTED, None, clock.now())
        found = await follows.get_pair(session, remote(1), ALPHA)
    assert again.id == made.id and found == again
    assert (again.state, again.follow_iri) == (ACCEPTED, f"{remote(1)}/f/1")  # kept when None
    assert (again.created_at, again.updated_at) == (made.created_at, clock.now())


async def test_a_follow_id_names_one_relation(node: Runtime, clock: FrozenClock) -> None:
    shared_id = f"{remote(1)}/f/1"
    async with node.db.transaction() as session:
        first = await follows.put(session, remote(1), ALPHA, ACCEPTED, shared_id, clock.now())
        other = "https://node.test/users/beta"
        second = await follows.put(session, remote(1), other, PENDING, shared_id, clock.now())
        by_id = await follows.by_follow_iri(session, shared_id)
        moved = await follows.get_pair(session, remote(1), ALPHA)
    assert by_id is not None and by_id.id == second.id
    assert moved is not None and moved.id == first.id and moved.follow_iri is None


async def test_only_accepted_follows_count_and_pages_go_newest_first(
    node: Runtime, clock: FrozenClock
) -> None:
    async with node.db.transaction() as session:
        for n in range(5):
            state = ACCEPTED if n != 2 else PENDING
            await follows.put(session, remote(n), ALPHA, state, None, clock.now())
        await follows.put(session, ALPHA, remote(9), ACCEPTED, None, clock.now())
        await follows.put(session, ALPHA, remote(8), REJECTED, None, clock.now())
        assert await follows.count_followers(session, ALPHA) == 4
        assert await follows.count_following(session, ALPHA) == 1
        assert await follows.followers_page(session, ALPHA, 0, 2) == [remote(4), remote(3)]
        assert await follows.followers_page(session, ALPHA, 2, 2) == [remote(1), remote(0)]
        assert await follows.following_page(session, ALPHA, 0, 10) == [remote(9)]
        assert [f.follower_iri for f in await follows.list_by_target(session, ALPHA)] == [
            remote(n) for n in range(5)
        ]
        assert [f.state for f in await follows.list_by_follower(session, ALPHA)] == [
            ACCEPTED,
            REJECTED,
        ]


async def test_state_changes_and_removals(node: Runtime, clock: FrozenClock) -> None:
    async with node.db.transaction() as session:
        kept = await follows.put(session, remote(1), ALPHA, PENDING, None, clock.now())
        await follows.put(session, ALPHA, remote(2), ACCEPTED, None, clock.now())
        await follows.put(session, remote(2), ALPHA, ACCEPTED, None, clock.now())
        await follows.set_state(session, kept.id, ACCEPTED, clock.now())
        await follows.remove_all_of(session, remote(2))
    async with node.db.transaction() as session:
        assert [
            (f.follower_iri, f.state) for f in await follows.list_by_target(session, ALPHA)
        ] == [(remote(1), ACCEPTED)]
        assert await follows.list_by_follower(session, ALPHA) == []
        await follows.remove(session, kept.id)
        assert await follows.get_pair(session, remote(1), ALPHA) is None
