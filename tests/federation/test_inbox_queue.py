"""The inbox queue: each stored activity gets its effects once, in the worker's inbox lane.
Creates are applied together, other items in per-actor chains bounded per host, so a host that
never answers holds only its own items; one actor's items keep their order. An item that takes
longer than its lease keeps it (the lease is renewed while the item runs, so another worker
cannot take it over and apply its effects a second time); a fetch that failed retries the item
with backoff, a refused fetch or a broken origin rule rejects it for good. Real signed POSTs,
real worker, SQLite and PostgreSQL; remote hosts are in-process apps behind the node's
transport."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from node.activitypub.vocabulary import PUBLIC
from node.clock import FrozenClock
from node.federation import inbox_creates, relayed
from node.federation.inbox_queue import LEASE, InboxQueue
from node.federation.runtime import Runtime
from node.solidarity.arrivals import CascadeArrivals
from node.storage import inbox_items, objects
from node.storage.tables import InboxItemRow
from tests.support.actors import FakeActor, RemoteHost, as2, create_note, post_signed
from tests.support.router import HostRouter

SHARED = "https://node.test/inbox"
SLOW = "https://remote.test/notes/slow"


class SlowObject:
    """remote.test, except that its note at SLOW is served only once `release` is set."""

    def __init__(self, host: RemoteHost) -> None:
        self.host = host
        self.inner = host.app()
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and f"https://remote.test{scope['path']}" == SLOW:
            self.asked.set()
            await self.release.wait()
            note = {"id": SLOW, "type": "Note", "attributedTo": "https://remote.test/users/bob"}
            response: Response = as2(note | {"content": "<p>late</p>", "to": [PUBLIC]})
            await response(scope, receive, send)
            return
        await self.inner(scope, receive, send)


@pytest.fixture
def slow(router: HostRouter) -> SlowObject:
    app = SlowObject(RemoteHost("remote.test"))
    router.add("remote.test", app)
    return app


async def renewed_past(node: Runtime, moment: datetime) -> None:
    for _ in range(500):
        async with node.db.transaction() as session:
            row = await session.get_one(InboxItemRow, 1, populate_existing=True)
        if row.locked_until is not None and row.locked_until > moment:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"the lease was not renewed past {moment}")


async def test_a_long_item_keeps_its_lease_and_runs_once(
    client: httpx.AsyncClient, node: Runtime, clock: FrozenClock, slow: SlowObject
) -> None:
    bob = slow.host.actor("bob")
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bob.iri}/activities/slow",
        "type": "Create",
        "actor": bob.iri,
        "object": SLOW,
        "to": [PUBLIC],
    }
    response = await post_signed(client, bob, SHARED, create, clock.now())
    assert response.status_code == 202, response.text

    first = InboxQueue(node, relayed.dispatcher(CascadeArrivals()), renew_every=0.01)
    assert await first.run_once(10) == 1  # claimed; its chain waits for the object
    await asyncio.wait_for(slow.asked.wait(), timeout=5)
    for _ in range(3):  # well past the first lease, in steps shorter than a lease
        clock.advance(LEASE / 2)
        await renewed_past(node, clock.now() + LEASE / 4)
    assert (
        await InboxQueue(node, relayed.dispatcher(CascadeArrivals())).run_once(10) == 0
    )  # another worker finds nothing to take

    slow.release.set()
    for _ in range(100):  # each cycle waits a moment for the chain, then writes its outcome
        if not await first.run_once(10):
            break
    async with node.db.transaction() as session:
        assert await inbox_items.count_by_state(session) == {"done": 1}
        row = await session.get_one(InboxItemRow, 1, populate_existing=True)
    assert (row.attempts, row.locked_until) == (1, None)


async def stored_item(node: Runtime, actor: str, activity: dict[str, object]) -> None:
    async with node.db.transaction() as session:
        await inbox_items.store(
            session,
            activity_iri=str(activity["id"]),
            actor_iri=actor,
            type=str(activity["type"]),
            recipient=None,
            document=activity,
            now=node.clock.now(),
        )


async def only_row(node: Runtime) -> InboxItemRow:
    async with node.db.transaction() as session:
        (row,) = await session.scalars(select(InboxItemRow))
    return row


async def test_a_failed_fetch_is_retried_later_and_then_done(
    node: Runtime, clock: FrozenClock, remote: RemoteHost, router: HostRouter
) -> None:
    bob = remote.actor("bob")
    note = f"{bob.iri}/notes/later"
    create = {"id": f"{bob.iri}/create/1", "type": "Create", "actor": bob.iri, "object": note}
    await stored_item(node, bob.iri, create)
    queue = InboxQueue(node, relayed.dispatcher(CascadeArrivals()))
    served = remote.app()
    down = [True]

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        if down[0] and scope["type"] == "http" and "/notes/" in scope["path"]:
            await Response(status_code=503)(scope, receive, send)
            return
        await served(scope, receive, send)

    router.add("remote.test", answer)

    await drain(queue)  # the host is down for a while: 503
    row = await only_row(node)
    assert (row.state, row.attempts, row.locked_until) == ("pending", 1, None)
    assert "answered HTTP 503" in (row.last_error or "")
    assert await queue.next_due() == clock.now() + timedelta(seconds=60)
    assert await queue.run_once(10) == 0  # not due yet

    down[0] = False
    remote.objects[note] = {"id": note, "type": "Note", "attributedTo": bob.iri, "to": [PUBLIC]}
    clock.advance(timedelta(seconds=60))
    await drain(queue)
    assert ((await only_row(node)).state, (await only_row(node)).attempts) == ("done", 2)
    async with node.db.transaction() as session:
        assert await objects.get(session, note) is not None


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ("https://user:secret@remote.test/notes/1", "refused: .*credentials in the URL"),
        (
            {
                "id": "https://remote.test/notes/2",
                "type": "Note",
                "attributedTo": "https://remote.test/users/carol",
            },
            "cannot create https://remote.test/notes/2 for https://remote.test/users/carol",
        ),
    ],
)
async def test_a_refused_fetch_or_a_broken_rule_rejects_the_item_for_good(
    node: Runtime, remote: RemoteHost, obj: object, reason: str
) -> None:
    bob = remote.actor("bob")
    create = {"id": f"{bob.iri}/create/1", "type": "Create", "actor": bob.iri, "object": obj}
    await stored_item(node, bob.iri, create)
    queue = InboxQueue(node, relayed.dispatcher(CascadeArrivals()))

    await drain(queue)

    row = await only_row(node)
    assert (row.state, row.attempts, row.locked_until) == ("rejected", 1, None)
    assert re.search(reason, row.last_error or ""), row.last_error
    assert await queue.next_due() is None


# --- lanes: Creates together, per-actor chains --------------------------------------------


class Hanging:
    """A host whose documents are served only once `release` is set (never, if it is not)."""

    def __init__(self, host: RemoteHost) -> None:
        self.host = host
        self.inner = host.app()
        self.asked = 0
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "/notes/" in scope["path"]:
            self.asked += 1
            await self.release.wait()
        await self.inner(scope, receive, send)


def queue(node: Runtime, **options: Any) -> InboxQueue:
    arrivals = CascadeArrivals()
    return InboxQueue(
        node, relayed.dispatcher(arrivals), inbox_creates.creator(arrivals), **options
    )


def by_reference(actor: FakeActor, key: str) -> dict[str, Any]:
    """A Create naming its object only: the worker fetches it from the actor's host."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/activities/ref-{key}",
        "type": "Create",
        "actor": actor.iri,
        "to": [PUBLIC],
        "object": f"{actor.iri}/notes/{key}",
    }


async def states(node: Runtime) -> dict[str, str]:
    async with node.db.transaction() as session:
        rows = await session.execute(
            InboxItemRow.__table__.select()  # type: ignore[attr-defined]
        )
        return {row.activity_iri: row.state for row in rows}


async def drain(inbox: InboxQueue, cycles: int = 200) -> None:
    for _ in range(cycles):
        if not await inbox.run_once(200):
            return
    raise AssertionError("the inbox queue did not settle")


@pytest.fixture
async def hanging(router: HostRouter) -> AsyncIterator[Hanging]:
    host = Hanging(RemoteHost("dead.test"))
    router.add("dead.test", host)
    yield host
    host.release.set()


async def test_creates_are_applied_together_and_kept_like_one_by_one(
    node: Runtime, client: httpx.AsyncClient, remote: RemoteHost, clock: FrozenClock
) -> None:
    actors = [remote.actor(name) for name in ("ana", "ben", "cem")]
    for n in range(30):
        actor = actors[n % 3]
        response = await post_signed(
            client, actor, SHARED, create_note(actor, f"k{n}"), clock.now()
        )
        assert response.status_code == 202
    applied: list[int] = []
    creates = inbox_creates.creator(CascadeArrivals())

    async def counting(node: Runtime, activities: Any) -> Any:
        applied.append(len(activities))
        return await creates(node, activities)

    inbox = InboxQueue(node, relayed.dispatcher(CascadeArrivals()), counting)
    await drain(inbox)
    assert sum(applied) == 30 and len(applied) <= 2  # together, not one by one
    assert set((await states(node)).values()) == {"done"}
    async with node.db.transaction() as session:
        kept = await objects.get(session, f"{actors[0].iri}/notes/k0")
    assert kept is not None and kept.content.body_text == "Solidarity!"
    assert kept.actor_iri == actors[0].iri


async def test_a_host_that_never_answers_holds_only_its_own_items(
    node: Runtime,
    client: httpx.AsyncClient,
    remote: RemoteHost,
    hanging: Hanging,
    clock: FrozenClock,
) -> None:
    stuck = hanging.host.actor("stuck")
    for n in range(10):  # ten items that wait on dead.test
        response = await post_signed(
            client, stuck, SHARED, by_reference(stuck, f"s{n}"), clock.now()
        )
        assert response.status_code == 202
    ana = remote.actor("ana")
    remote.objects[f"{ana.iri}/notes/late"] = {
        "id": f"{ana.iri}/notes/late",
        "type": "Note",
        "attributedTo": ana.iri,
        "content": "<p>late</p>",
        "to": [PUBLIC],
    }
    for activity in (by_reference(ana, "late"), create_note(ana, "now")):
        assert (await post_signed(client, ana, SHARED, activity, clock.now())).status_code == 202
    inbox = queue(node, per_host=2, poll_seconds=0.05)
    try:
        for _ in range(100):
            await inbox.run_once(200)
            found = await states(node)
            if found[f"{ana.iri}/activities/ref-late"] == "done":
                break
        assert found[f"{ana.iri}/activities/create-now"] == "done"
        assert found[f"{ana.iri}/activities/ref-late"] == "done"
        assert [found[f"{stuck.iri}/activities/ref-s{n}"] for n in range(10)] == ["pending"] * 10
        assert hanging.asked == 1  # one actor's chain: one item at a time on that host
    finally:
        hanging.release.set()
        await inbox.aclose()


async def test_a_fetch_that_runs_past_the_worker_deadline_is_retried(
    node: Runtime, client: httpx.AsyncClient, hanging: Hanging, clock: FrozenClock
) -> None:
    stuck = hanging.host.actor("stuck")
    activity = by_reference(stuck, "slow")
    assert (await post_signed(client, stuck, SHARED, activity, clock.now())).status_code == 202
    inbox = queue(node, fetch_seconds=0.1, poll_seconds=0.05)
    await drain(inbox)
    async with node.db.transaction() as session:
        row = await session.get_one(InboxItemRow, 1, populate_existing=True)
    assert (row.state, row.attempts, row.locked_until) == ("pending", 1, None)
    assert "no complete answer within 0.1 s" in (row.last_error or "")
    assert row.next_attempt_at > clock.now()


@pytest.mark.parametrize(
    ("status", "state"), [(404, "rejected"), (410, "rejected"), (503, "pending")]
)
async def test_refusals_are_final_at_once_and_failures_retried(
    node: Runtime,
    client: httpx.AsyncClient,
    router: HostRouter,
    clock: FrozenClock,
    status: int,
    state: str,
) -> None:
    host = RemoteHost("gone.test")

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "/notes/" in scope["path"]:
            await Response(status_code=status)(scope, receive, send)
            return
        await host.app()(scope, receive, send)

    router.add("gone.test", answer)
    actor = host.actor("eve")
    activity = by_reference(actor, "x")
    assert (await post_signed(client, actor, SHARED, activity, clock.now())).status_code == 202
    await drain(queue(node))
    async with node.db.transaction() as session:
        row = await session.get_one(InboxItemRow, 1, populate_existing=True)
    assert (row.state, row.attempts) == (state, 1)
    assert f"HTTP {status}" in (row.last_error or "")


async def test_an_embedded_object_from_another_origin_is_refused(
    node: Runtime, client: httpx.AsyncClient, remote: RemoteHost, clock: FrozenClock
) -> None:
    ana = remote.actor("ana")
    forged = create_note(ana, "forged")
    forged["object"]["attributedTo"] = "https://remote.test/users/ben"
    assert (await post_signed(client, ana, SHARED, forged, clock.now())).status_code == 202
    await drain(queue(node))
    async with node.db.transaction() as session:
        row = await session.get_one(InboxItemRow, 1, populate_existing=True)
        kept = await objects.get(session, forged["object"]["id"])
    assert (row.state, kept) == ("rejected", None)
    assert "cannot create" in (row.last_error or "")


async def test_one_actors_items_keep_their_order(
    node: Runtime, client: httpx.AsyncClient, remote: RemoteHost, clock: FrozenClock
) -> None:
    ana = remote.actor("ana")
    create = create_note(ana, "short-lived")
    delete = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{ana.iri}/activities/delete-short-lived",
        "type": "Delete",
        "actor": ana.iri,
        "object": create["object"]["id"],
        "to": [PUBLIC],
    }
    again = create_note(ana, "after")
    for activity in (create, delete, again):
        assert (await post_signed(client, ana, SHARED, activity, clock.now())).status_code == 202
    await drain(queue(node))
    async with node.db.transaction() as session:
        deleted = await objects.get(session, create["object"]["id"])
        after = await objects.get(session, again["object"]["id"])
    assert deleted is not None and deleted.deleted_at is not None  # Delete ran after Create
    assert after is not None and after.deleted_at is None
    assert set((await states(node)).values()) == {"done"}


async def test_items_in_hand_are_given_back_when_the_queue_closes(
    node: Runtime, client: httpx.AsyncClient, hanging: Hanging, clock: FrozenClock
) -> None:
    stuck = hanging.host.actor("stuck")
    for n in range(3):
        activity = by_reference(stuck, f"h{n}")
        assert (await post_signed(client, stuck, SHARED, activity, clock.now())).status_code == 202
    inbox = queue(node, poll_seconds=0.05)
    await inbox.run_once(200)
    assert inbox.in_hand == 3
    await inbox.aclose()
    async with node.db.transaction() as session:
        assert await inbox_items.count_by_state(session) == {"pending": 3}
        leased = await session.scalar(
            InboxItemRow.__table__.select()  # type: ignore[attr-defined]
            .with_only_columns(InboxItemRow.locked_until)
            .where(InboxItemRow.locked_until.is_not(None))
        )
    assert leased is None  # released: another worker takes them at once
