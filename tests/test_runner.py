"""Assembling the worker: the inbox queue before deliveries, on the node's own transport when
it has one; and `solidarity-node worker`'s loop, which runs until cancelled and then releases
what it holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from node.clock import FrozenClock
from node.federation import sending
from node.federation.runtime import Runtime, make_runtime
from node.runner import build_worker, close_worker, run_worker
from node.storage import inbox_items, reactions
from node.storage.actors import LocalActor
from tests.support.deliveries import note, remember


async def test_the_worker_runs_the_inbox_then_deliveries_on_the_nodes_transport(
    node: Runtime, settings: Any, clock: FrozenClock, sender: LocalActor
) -> None:
    assert [queue.name for queue in build_worker(node).queues] == ["inbox", "deliveries"]
    seen: list[str] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(202)

    in_process = make_runtime(settings, clock=clock, transport=httpx.MockTransport(accept))
    await remember(node, "https://remote.example/u", "https://remote.example/u/inbox")
    try:
        await sending.send(in_process, sender, note(node, to=["https://remote.example/u"]))
        running = build_worker(in_process)
        await running.run_until_idle()
        await close_worker(running)
    finally:
        await in_process.close()
    assert seen == ["https://remote.example/u/inbox"]  # routed by the node's own transport


async def test_the_worker_command_works_the_queues_until_cancelled(
    settings: Any, node: Runtime
) -> None:
    like = {
        "id": "https://remote.test/likes/1",
        "type": "Like",
        "actor": "https://remote.test/users/bob",
        "object": "https://node.test/calls/k",
    }
    async with node.db.transaction() as session:
        await inbox_items.store(
            session,
            activity_iri=like["id"],
            actor_iri=like["actor"],
            type="Like",
            recipient=None,
            document=like,
            now=datetime.now(UTC),  # the command runs on the system clock
        )
    running = asyncio.create_task(run_worker(settings))
    try:
        for _ in range(300):
            async with node.db.transaction() as session:
                if await inbox_items.count_by_state(session) == {"done": 1}:
                    break
            await asyncio.sleep(0.01)
        assert not running.done()
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    async with node.db.transaction() as session:
        assert await inbox_items.count_by_state(session) == {"done": 1}
        assert [r.type for r in await reactions.for_object(session, like["object"])] == ["Like"]
