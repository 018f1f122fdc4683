"""Bounded storage: a received activity is kept once, in the form the node needs (a Like is a
reaction row, not its document twice); Likes of objects the node does not know are not kept;
the worker prunes finished inbox items and unreferenced received objects after the retention
time (SN_RETENTION_DAYS, default 30), and keeps what organisations still refer to."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from node.clock import FrozenClock
from node.config import Settings
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations, publishing, validation
from node.solidarity.validation import Draft
from node.storage import follows, objects
from node.storage.tables import InboxItemRow, ObjectRow, ReactionRow
from tests.support.actors import FakeActor, RemoteHost, create_note, hosted, post_signed
from tests.support.router import HostRouter

SHARED = "https://node.test/inbox"
RETENTION = 30


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, retention_days=RETENTION)


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")


def like(actor: FakeActor, n: int, target: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/likes/{n}",
        "type": "Like",
        "actor": actor.iri,
        "object": target,
    }


def draft(clock: FrozenClock) -> Draft:
    deadline = (clock.now() + timedelta(days=1)).isoformat()
    return validation.call(
        {"title": "Water", "content": "Bring some.", "deadline": deadline}, clock.now()
    )


async def count(node: Runtime, table: Any, *where: Any) -> int:
    async with node.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def test_a_received_like_is_kept_once_and_only_for_known_objects(
    client: httpx.AsyncClient, node: Runtime, clock: FrozenClock, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    call = await publishing.publish(node, await organisations.get(node.db, "alpha"), draft(clock))
    known = await post_signed(client, bob, SHARED, like(bob, 1, call.iri), clock.now())
    unknown = await post_signed(
        client, bob, SHARED, like(bob, 2, "https://elsewhere.test/x/1"), clock.now()
    )
    assert known.status_code == unknown.status_code == 202
    await build_worker(node).run_until_idle()
    async with node.db.transaction() as session:
        kept = (await session.scalars(select(InboxItemRow.document))).all()
        reactions = (await session.scalars(select(ReactionRow.object_iri))).all()
    assert kept == [{}, {}]  # done: the effects hold what is needed
    assert reactions == [call.iri]  # a Like of something this node does not know is not kept
    assert not hasattr(ReactionRow, "document")


async def test_the_worker_prunes_finished_items_and_unreferenced_objects(
    client: httpx.AsyncClient, node: Runtime, clock: FrozenClock, alpha: str, remote: RemoteHost
) -> None:
    bob, rose = remote.actor("bob"), remote.actor("rose")
    async with node.db.transaction() as session:
        await follows.put(session, alpha, rose.iri, follows.ACCEPTED, None, clock.now())
    for n, actor in enumerate((bob, rose)):
        answer = await post_signed(client, actor, SHARED, create_note(actor, f"n{n}"), clock.now())
        assert answer.status_code == 202, answer.text
    await build_worker(node).run_until_idle()
    assert await count(node, ObjectRow) == 2 and await count(node, InboxItemRow) == 2

    clock.advance(timedelta(days=RETENTION - 1))
    await build_worker(node).run_until_idle()
    assert await count(node, ObjectRow) == 2 and await count(node, InboxItemRow) == 2

    clock.advance(timedelta(days=2))
    await build_worker(node).run_until_idle()
    assert await count(node, InboxItemRow) == 0
    async with node.db.transaction() as session:
        assert await objects.get(session, f"{bob.iri}/notes/n0") is None  # nobody follows bob
        assert await objects.get(session, f"{rose.iri}/notes/n1") is not None  # alpha follows rose
