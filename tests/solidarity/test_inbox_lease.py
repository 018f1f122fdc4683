"""An inbox item that takes longer than its lease keeps it: the lease is renewed while the item
runs, so another worker cannot take it over and apply its effects a second time."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
import pytest
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from support.actors import RemoteHost, as2, post_signed
from support.router import HostRouter

from node.activitypub.vocabulary import PUBLIC
from node.clock import FrozenClock
from node.federation import relayed
from node.federation.inbox_queue import LEASE, InboxQueue
from node.federation.runtime import Runtime
from node.solidarity.arrivals import CascadeArrivals
from node.storage import inbox_items
from node.storage.tables import InboxItemRow

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
