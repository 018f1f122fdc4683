"""The inbox queue: each stored activity gets its effects once, in the worker. An item that
takes longer than its lease keeps it (the lease is renewed while the item runs, so another
worker cannot take it over and apply its effects a second time); a fetch that failed retries
the item with backoff, a refused fetch or a broken origin rule rejects it for good."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from node.activitypub.vocabulary import PUBLIC
from node.clock import FrozenClock
from node.federation import relayed
from node.federation.inbox_queue import LEASE, InboxQueue
from node.federation.runtime import Runtime
from node.solidarity.arrivals import CascadeArrivals
from node.storage import inbox_items, objects
from node.storage.tables import InboxItemRow
from tests.support.actors import RemoteHost, as2, post_signed
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
    running = asyncio.create_task(first.run_once(10))
    await asyncio.wait_for(slow.asked.wait(), timeout=5)
    for _ in range(3):  # well past the first lease, in steps shorter than a lease
        clock.advance(LEASE / 2)
        await renewed_past(node, clock.now() + LEASE / 4)
    assert (
        await InboxQueue(node, relayed.dispatcher(CascadeArrivals())).run_once(10) == 0
    )  # another worker finds nothing to take

    slow.release.set()
    assert await running == 1
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
    node: Runtime, clock: FrozenClock, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    note = f"{bob.iri}/notes/later"
    create = {"id": f"{bob.iri}/create/1", "type": "Create", "actor": bob.iri, "object": note}
    await stored_item(node, bob.iri, create)
    queue = InboxQueue(node, relayed.dispatcher(CascadeArrivals()))

    assert await queue.run_once(10) == 1  # the note is not there yet: 404
    row = await only_row(node)
    assert (row.state, row.attempts, row.locked_until) == ("pending", 1, None)
    assert "answered HTTP 404" in (row.last_error or "")
    assert await queue.next_due() == clock.now() + timedelta(seconds=60)
    assert await queue.run_once(10) == 0  # not due yet

    remote.objects[note] = {"id": note, "type": "Note", "attributedTo": bob.iri, "to": [PUBLIC]}
    clock.advance(timedelta(seconds=60))
    assert await queue.run_once(10) == 1
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

    assert await queue.run_once(10) == 1

    row = await only_row(node)
    assert (row.state, row.attempts, row.locked_until) == ("rejected", 1, None)
    assert re.search(reason, row.last_error or ""), row.last_error
    assert await queue.next_due() is None
