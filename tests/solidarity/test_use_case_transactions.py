"""One use case, one transaction (DESIGN §3): when queueing the deliveries fails, the change
that would have been sent is not stored either, so nothing is ever published that followers
are not told about, and a client that retries does not publish twice.

Each test makes storage's enqueue fail, runs one use case, and compares every table a use case
writes with its state before; then runs it again without the fault and sees it succeed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from node.activitypub.objects import ActivityView
from node.federation import following, relays
from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import allies, amplification, organisations, publishing, responses, validation
from node.storage import actors, deliveries, follows, tables
from node.storage.actors import LocalActor
from tests.support.actors import RemoteHost
from tests.support.who import TESTER

TABLES = (
    tables.ObjectRow,
    tables.ObjectLabelRow,
    tables.ActivityRow,
    tables.FollowRow,
    tables.AllyRow,
    tables.RelayRow,
    tables.CascadeEntryRow,
    tables.AmplificationRow,
    tables.DeliveryRow,
    tables.ActorRow,
)


class QueueDown(RuntimeError):
    pass


async def snapshot(node: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables use cases write, as plain tuples."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with node.db.transaction() as session:
        for table in TABLES:
            columns = list(table.__table__.columns)
            rows = await session.execute(select(*columns).order_by(*table.__table__.primary_key))
            found[table.__tablename__] = [tuple(row) for row in rows]
    return found


class Fault:
    """down() makes every enqueue of deliveries fail (as a full disk or a lost connection
    would, after the change itself was written in the same transaction); up() mends it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def down(self) -> None:
        async def failing(*args: object, **kwargs: object) -> int:
            raise QueueDown("the delivery queue is down")

        self.monkeypatch.setattr(deliveries, "enqueue", failing)

    def up(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def fault(monkeypatch: pytest.MonkeyPatch) -> Fault:
    return Fault(monkeypatch)


async def org(node: Runtime, name: str, manual: bool = False) -> LocalActor:
    return await organisations.create_organisation(
        node.db, node.clock, node.urls, name, manually_approves_followers=manual
    )


def call_body(node: Runtime, title: str = "Stop the eviction") -> dict[str, Any]:
    deadline = (node.clock.now() + timedelta(days=3)).isoformat()
    return {"title": title, "content": "Come to court at 9.", "deadline": deadline}


async def publish_call(node: Runtime, author: LocalActor) -> str:
    draft = validation.call(call_body(node), node.clock.now())
    stored = await publishing.publish(node, author, draft)
    assert stored.key is not None
    return stored.key


UseCase = Callable[[], Awaitable[object]]


async def nothing_stored_until_the_queue_works(
    node: Runtime, fault: Fault, *use_cases: UseCase
) -> None:
    """Each use case fails with the queue down and leaves every table as it was; with the
    queue mended, the last one runs and changes something."""
    before = await snapshot(node)
    fault.down()
    for use_case in use_cases:
        with pytest.raises(QueueDown):
            await use_case()
        assert await snapshot(node) == before
    fault.up()
    await use_cases[-1]()
    assert await snapshot(node) != before


async def test_publishing_a_call_stores_nothing_when_its_deliveries_cannot_be_queued(
    node: Runtime, remote: RemoteHost, fault: Fault
) -> None:
    alpha, beta = await org(node, "alpha"), await org(node, "beta")
    await allies.add(node, beta, node.urls.actor("alpha"), allies.Policy("auto"), who=TESTER)
    await following.on_follow(node, follow_of(remote.actor("rosa").iri, "alpha"))
    draft = validation.call(call_body(node), node.clock.now())
    await nothing_stored_until_the_queue_works(
        node, fault, lambda: publishing.publish(node, alpha, draft)
    )


async def test_publishing_a_strategy_stores_nothing_when_queueing_fails(
    node: Runtime, fault: Fault
) -> None:
    alpha = await org(node, "alpha")
    draft = validation.strategy({"title": "Courts", "content": "How we won."})
    await nothing_stored_until_the_queue_works(
        node, fault, lambda: publishing.publish(node, alpha, draft)
    )


async def test_revise_withdraw_and_pin_change_nothing_when_queueing_fails(
    node: Runtime, fault: Fault
) -> None:
    alpha = await org(node, "alpha")
    key = await publish_call(node, alpha)
    await nothing_stored_until_the_queue_works(
        node,
        fault,
        lambda: publishing.revise(node, alpha, Kind.CALL, key, {"title": "Changed"}),
        lambda: publishing.pin(node, alpha, Kind.CALL, key, True),
        lambda: publishing.withdraw(node, alpha, Kind.CALL, key),
    )


def follow_of(follower: str, name: str) -> ActivityView:
    """A remote actor's Follow of a local organisation, as the inbox hands it to the effects."""
    return ActivityView.from_document(
        {
            "id": f"{follower}/follows/{name}",
            "type": "Follow",
            "actor": follower,
            "object": f"https://node.test/users/{name}",
        }
    )


async def test_follows_and_their_answers_change_nothing_when_queueing_fails(
    node: Runtime, remote: RemoteHost, fault: Fault
) -> None:
    alpha = await org(node, "alpha", manual=True)
    rosa, ana = remote.actor("rosa"), remote.actor("ana")
    made = await following.follow(node, alpha, ana.iri)
    await following.on_follow(node, follow_of(rosa.iri, "alpha"))  # pending: alpha approves
    assert made.follow_iri is not None
    key = made.follow_iri.rsplit("/", 1)[-1]
    await nothing_stored_until_the_queue_works(
        node,
        fault,
        lambda: following.follow(node, alpha, remote.actor("lea").iri),
        lambda: following.unfollow(node, alpha, key),
        lambda: following.decide(node, alpha, rosa.iri, False),
        lambda: following.decide(node, alpha, rosa.iri, True),
    )


async def test_an_accepted_incoming_follow_is_not_stored_without_its_accept(
    node: Runtime, remote: RemoteHost, fault: Fault
) -> None:
    await org(node, "alpha")
    follow = follow_of(remote.actor("rosa").iri, "alpha")
    await nothing_stored_until_the_queue_works(
        node, fault, lambda: following.on_follow(node, follow)
    )
    async with node.db.transaction() as session:
        found = await follows.list_by_target(session, node.urls.actor("alpha"))
    assert [f.state for f in found] == [follows.ACCEPTED]


async def test_a_profile_change_is_not_stored_without_its_update(
    node: Runtime, remote: RemoteHost, fault: Fault
) -> None:
    await org(node, "alpha")
    await following.on_follow(node, follow_of(remote.actor("rosa").iri, "alpha"))
    await nothing_stored_until_the_queue_works(
        node, fault, lambda: organisations.update(node, "alpha", display_name="Renamed")
    )
    async with node.db.transaction() as session:
        assert (await actors.by_username(session, "alpha")).display_name == "Renamed"


async def test_relay_subscriptions_change_nothing_when_queueing_fails(
    node: Runtime, remote: RemoteHost, fault: Fault
) -> None:
    subscribed = f"https://{remote.host}/subscribed/inbox"
    await relays.add(node, subscribed, "mastodon")
    await nothing_stored_until_the_queue_works(
        node,
        fault,
        lambda: relays.remove(node, subscribed),
        lambda: relays.add(node, f"https://{remote.host}/inbox", "mastodon"),
    )


async def test_a_pledge_and_an_ally_are_not_stored_without_their_deliveries(
    node: Runtime, remote: RemoteHost, fault: Fault
) -> None:
    alpha, beta = await org(node, "alpha"), await org(node, "beta")
    await following.on_follow(node, follow_of(remote.actor("rosa").iri, "alpha"))
    key = await publish_call(node, beta)
    await nothing_stored_until_the_queue_works(
        node,
        fault,
        lambda: allies.add(node, alpha, remote.actor("ana").iri, allies.Policy("auto"), who=TESTER),
        lambda: responses.pledge(node, alpha, key, "We will be there."),
    )


async def test_an_amplification_by_hand_is_not_claimed_without_its_announce(
    node: Runtime, remote: RemoteHost, fault: Fault
) -> None:
    alpha, beta = await org(node, "alpha"), await org(node, "beta")
    await following.on_follow(node, follow_of(remote.actor("rosa").iri, "beta"))
    key = await publish_call(node, alpha)
    call = await publishing.owned(node, alpha, Kind.CALL, key)
    await nothing_stored_until_the_queue_works(
        node, fault, lambda: amplification.by_hand(node, beta, call)
    )
