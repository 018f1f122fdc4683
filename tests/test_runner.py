"""Assembling the worker: the inbox queue before deliveries, on the node's own transport when
it has one."""

from __future__ import annotations

from typing import Any

import httpx

from node.clock import FrozenClock
from node.federation import sending
from node.federation.runtime import Runtime, make_runtime
from node.runner import build_worker, close_worker
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
