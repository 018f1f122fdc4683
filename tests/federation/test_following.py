"""Follows in both directions on SQLite and PostgreSQL: following a remote actor (by URL or
handle) and another organisation of this node, manual approval and its decisions, unfollowing
with an Undo; incoming Follow, Undo, Accept and Reject, and who may send each.

The remote side is remote.test (a RemoteHost with real actors and WebFinger); incoming
activities are handed to following's handlers as the inbox effects hand them.
"""

from __future__ import annotations

from typing import Any

import pytest

from node.activitypub.objects import ActivityView
from node.errors import InvalidInput, NotFound, OriginMismatch
from node.federation import following
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import actors, follows
from node.storage.actors import LocalActor
from node.storage.follows import ACCEPTED, PENDING, REJECTED, Follow
from tests.support.actors import FakeActor, RemoteHost
from tests.support.queued import queued


@pytest.fixture
async def org(node: Runtime, alpha: str) -> LocalActor:
    return await organisations.get(node.db, "alpha")


@pytest.fixture
def bob(remote: RemoteHost) -> FakeActor:
    return remote.actor("bob")


@pytest.fixture
def woken(node: Runtime) -> list[bool]:
    found: list[bool] = []
    node.wake_worker = lambda: found.append(True)
    return found


def activity(**document: Any) -> ActivityView:
    return ActivityView.from_document(document)


def follow_from(actor: FakeActor, target: str, key: str = "1") -> ActivityView:
    iri = f"{actor.iri}/follows/{key}"
    return activity(id=iri, type="Follow", actor=actor.iri, object=target)


async def pair(node: Runtime, follower: str, target: str) -> Follow | None:
    async with node.db.transaction() as session:
        return await follows.get_pair(session, follower, target)


async def manual(node: Runtime, name: str = "alpha") -> LocalActor:
    return await organisations.update(node, name, manually_approves_followers=True)


# --- following ---------------------------------------------------------------------------


async def test_following_a_remote_actor_queues_a_follow_and_waits_for_its_answer(
    node: Runtime, org: LocalActor, bob: FakeActor, woken: list[bool]
) -> None:
    made = await following.follow(node, org, "@bob@remote.test")

    alpha = node.urls.actor("alpha")
    assert (made.follower_iri, made.target_iri, made.state) == (alpha, bob.iri, PENDING)
    assert made.follow_iri is not None and made.follow_iri.startswith("https://node.test/")
    (sent,) = await queued(node, "Follow")
    assert sent.inbox == f"{bob.iri}/inbox"
    assert sent.activity == {
        "@context": sent.activity["@context"],
        "id": made.follow_iri,
        "type": "Follow",
        "actor": alpha,
        "object": bob.iri,
        "to": [bob.iri],
    }
    assert woken == [True]
    assert [f.target_iri for f in await following.following_of(node, org)] == [bob.iri]


async def test_an_accepted_follow_is_not_asked_again(
    node: Runtime, org: LocalActor, bob: FakeActor
) -> None:
    made = await following.follow(node, org, bob.iri)
    accept = activity(
        id=f"{bob.iri}#accepts/1",
        type="Accept",
        actor=bob.iri,
        object={"id": made.follow_iri, "type": "Follow", "actor": made.follower_iri},
    )
    await following.on_answer(node, accept, accepted=True)

    again = await following.follow(node, org, bob.iri)

    assert (again.id, again.state, again.follow_iri) == (made.id, ACCEPTED, made.follow_iri)
    assert len(await queued(node, "Follow")) == 1


async def test_another_organisation_here_is_followed_without_the_network(
    node: Runtime, org: LocalActor
) -> None:
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    await organisations.create_organisation(
        node.db, node.clock, node.urls, "gamma", manually_approves_followers=True
    )

    open_one = await following.follow(node, org, "beta@node.test")
    by_hand = await following.follow(node, org, node.urls.actor("gamma"))

    assert (open_one.target_iri, open_one.state) == (node.urls.actor("beta"), ACCEPTED)
    assert (by_hand.target_iri, by_hand.state) == (node.urls.actor("gamma"), PENDING)
    assert await queued(node) == []
    beta = await organisations.get(node.db, "beta")
    assert [f.follower_iri for f in await following.followers_of(node, beta)] == [
        node.urls.actor("alpha")
    ]


async def test_what_cannot_be_followed(node: Runtime, org: LocalActor) -> None:
    await organisations.create_organisation(node.db, node.clock, node.urls, "gone")
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "gone", node.clock.now())
    with pytest.raises(InvalidInput, match="cannot follow itself"):
        await following.follow(node, org, "alpha@node.test")
    with pytest.raises(InvalidInput, match="neither a handle like name@host nor an actor URL"):
        await following.follow(node, org, "bob")
    with pytest.raises(NotFound, match="was deleted"):
        await following.follow(node, org, "gone@node.test")
    with pytest.raises(NotFound, match="no organisation named 'nobody'"):
        await following.follow(node, org, "nobody@node.test")
    assert await following.following_of(node, org) == []


async def test_unfollowing_sends_undo_of_the_original_follow(
    node: Runtime, org: LocalActor, bob: FakeActor
) -> None:
    made = await following.follow(node, org, bob.iri)
    assert made.follow_iri is not None
    key = made.follow_iri.rsplit("/", 1)[-1]

    await following.unfollow(node, org, key)

    assert await pair(node, made.follower_iri, bob.iri) is None
    (undo,) = await queued(node, "Undo")
    assert undo.inbox == f"{bob.iri}/inbox"
    assert undo.activity["actor"] == made.follower_iri and undo.activity["to"] == [bob.iri]
    assert undo.activity["object"] == {
        "id": made.follow_iri,
        "type": "Follow",
        "actor": made.follower_iri,
        "object": bob.iri,
    }
    with pytest.raises(NotFound, match=f"alpha has no follow {key}"):
        await following.unfollow(node, org, key)


async def test_unfollowing_here_needs_no_undo_and_only_the_follower_unfollows(
    node: Runtime, org: LocalActor
) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    made = await following.follow(node, org, "beta@node.test")
    assert made.follow_iri is not None
    key = made.follow_iri.rsplit("/", 1)[-1]

    with pytest.raises(NotFound, match=f"beta has no follow {key}"):
        await following.unfollow(node, beta, key)
    await following.unfollow(node, org, key)

    assert await following.following_of(node, org) == []
    assert await queued(node) == []


# --- incoming follows and their approval ------------------------------------------------


async def test_an_incoming_follow_is_accepted_with_the_follow_embedded(
    node: Runtime, org: LocalActor, bob: FakeActor, woken: list[bool]
) -> None:
    alpha = node.urls.actor("alpha")
    follow = follow_from(bob, alpha)

    await following.on_follow(node, follow)

    found = await pair(node, bob.iri, alpha)
    assert found is not None and (found.state, found.follow_iri) == (ACCEPTED, follow.iri)
    (accept,) = await queued(node, "Accept")
    assert accept.inbox == f"{bob.iri}/inbox"
    assert accept.activity["actor"] == alpha and accept.activity["to"] == [bob.iri]
    assert accept.activity["id"].startswith(f"{alpha}#accepts/")
    assert accept.activity["object"] == {
        "id": follow.iri,
        "type": "Follow",
        "actor": bob.iri,
        "object": alpha,
    }
    assert woken == [True]


async def test_a_manual_organisation_decides_on_follow_requests(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    alpha = node.urls.actor("alpha")
    chosen = await manual(node)
    bob, carol = remote.actor("bob"), remote.actor("carol")
    await following.on_follow(node, follow_from(bob, alpha))
    await following.on_follow(node, follow_from(carol, alpha))
    assert {f.state for f in await following.followers_of(node, chosen)} == {PENDING}
    assert await queued(node) == []

    accepted = await following.decide(node, chosen, bob.iri, accept=True)
    refused = await following.decide(node, chosen, carol.iri, accept=False)

    assert (accepted.state, refused.state) == (ACCEPTED, REJECTED)
    assert [(f.follower_iri, f.state) for f in await following.followers_of(node, chosen)] == [
        (bob.iri, ACCEPTED)
    ]
    answers = await queued(node)
    assert [(a.type, a.inbox) for a in answers] == [
        ("Accept", f"{bob.iri}/inbox"),
        ("Reject", f"{carol.iri}/inbox"),
    ]
    assert answers[1].activity["object"]["id"] == f"{carol.iri}/follows/1"
    with pytest.raises(NotFound, match="has not asked to follow alpha"):
        await following.decide(node, chosen, carol.iri, accept=True)


async def test_a_follower_already_accepted_stays_accepted_when_it_follows_again(
    node: Runtime, org: LocalActor, bob: FakeActor
) -> None:
    alpha = node.urls.actor("alpha")
    await following.on_follow(node, follow_from(bob, alpha, "1"))
    await manual(node)

    await following.on_follow(node, follow_from(bob, alpha, "2"))

    found = await pair(node, bob.iri, alpha)
    assert found is not None and (found.state, found.follow_iri) == (
        ACCEPTED,
        f"{bob.iri}/follows/2",
    )
    assert [a.activity["object"]["id"] for a in await queued(node, "Accept")] == [
        f"{bob.iri}/follows/1",
        f"{bob.iri}/follows/2",
    ]


async def test_follows_of_anything_but_a_live_organisation_are_ignored(
    node: Runtime, org: LocalActor, bob: FakeActor
) -> None:
    await organisations.create_organisation(node.db, node.clock, node.urls, "gone")
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "gone", node.clock.now())

    for target in ("https://node.test/calls/abc", "https://elsewhere.test/users/x"):
        await following.on_follow(node, follow_from(bob, target))
    await following.on_follow(node, follow_from(bob, node.urls.actor("gone")))

    async with node.db.transaction() as session:
        assert await follows.list_by_follower(session, bob.iri) == []
    assert await queued(node) == []


async def test_an_undo_removes_the_follow_of_its_sender_only(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    alpha = node.urls.actor("alpha")
    bob, mallory = remote.actor("bob"), remote.actor("mallory")
    follow = follow_from(bob, alpha)
    await following.on_follow(node, follow)

    forged = activity(id=f"{mallory.iri}/undo/1", type="Undo", actor=mallory.iri, object=follow.iri)
    with pytest.raises(OriginMismatch, match="cannot undo"):
        await following.on_undo_follow(node, forged)
    assert await pair(node, bob.iri, alpha) is not None

    undo = activity(id=f"{bob.iri}/undo/1", type="Undo", actor=bob.iri, object=follow.iri)
    await following.on_undo_follow(node, undo)
    assert await pair(node, bob.iri, alpha) is None


async def test_an_undo_naming_another_follow_id_finds_the_pair(
    node: Runtime, org: LocalActor, bob: FakeActor
) -> None:
    alpha = node.urls.actor("alpha")
    await following.on_follow(node, follow_from(bob, alpha))
    embedded = {"id": f"{bob.iri}/follows/unknown", "type": "Follow", "object": alpha}
    undo = activity(id=f"{bob.iri}/undo/2", type="Undo", actor=bob.iri, object=embedded)

    await following.on_undo_follow(node, undo)

    assert await pair(node, bob.iri, alpha) is None


# --- answers to our follows ----------------------------------------------------------------


async def test_accept_and_reject_of_our_follows_come_only_from_the_followed(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    bob, carol, mallory = remote.actor("bob"), remote.actor("carol"), remote.actor("mallory")
    to_bob = await following.follow(node, org, bob.iri)
    to_carol = await following.follow(node, org, carol.iri)

    forged = activity(
        id=f"{mallory.iri}#accepts/1", type="Accept", actor=mallory.iri, object=to_bob.follow_iri
    )
    with pytest.raises(OriginMismatch, match="cannot answer a follow of"):
        await following.on_answer(node, forged, accepted=True)
    still = await pair(node, to_bob.follower_iri, bob.iri)
    assert still is not None and still.state == PENDING

    accept = activity(
        id=f"{bob.iri}#accepts/1", type="Accept", actor=bob.iri, object=to_bob.follow_iri
    )
    reject = activity(
        id=f"{carol.iri}#rejects/1",
        type="Reject",
        actor=carol.iri,
        object={
            "id": "https://remote.test/unknown",
            "type": "Follow",
            "actor": to_carol.follower_iri,
        },
    )
    await following.on_answer(node, accept, accepted=True)
    await following.on_answer(node, reject, accepted=False)

    states = {f.target_iri: f.state for f in await following.following_of(node, org)}
    assert states == {bob.iri: ACCEPTED, carol.iri: REJECTED}


async def test_answers_to_follows_we_never_sent_are_ignored(
    node: Runtime, org: LocalActor, bob: FakeActor
) -> None:
    alpha = node.urls.actor("alpha")
    incoming = follow_from(bob, alpha)
    await following.on_follow(node, incoming)  # bob follows alpha: not our follow
    accept = activity(id=f"{bob.iri}#accepts/9", type="Accept", actor=bob.iri, object=incoming.iri)
    stray = activity(
        id=f"{bob.iri}#accepts/10", type="Accept", actor=bob.iri, object=f"{bob.iri}/follows/x"
    )

    await following.on_answer(node, accept, accepted=True)
    await following.on_answer(node, stray, accepted=False)

    found = await pair(node, bob.iri, alpha)
    assert found is not None and found.state == ACCEPTED
    assert await following.following_of(node, org) == []
