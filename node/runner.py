"""Assembling and running the worker: the inbox queue, deliveries, alliance manifests, then
pruning (received objects past their retention, uploads never attached).

build_worker() wires the queues to a node's Runtime; run_worker() is `solidarity-node
worker`: it starts the node (database check, signing key), runs until cancelled, and then
releases what it holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from node.config import Settings
from node.federation import relayed
from node.federation.alliances import AllianceQueue
from node.federation.delivery_queue import DeliveryQueue
from node.federation.inbox_queue import InboxQueue
from node.federation.pruning import Pruning
from node.federation.runtime import Runtime, make_runtime
from node.solidarity.arrivals import CascadeArrivals
from node.solidarity.attachments import PruneQueue
from node.workers import Queue, Worker

log = logging.getLogger("node.runner")


def build_worker(node: Runtime) -> Worker:
    """A Worker over the inbox queue, the delivery queue and pruning.

    Deliveries get their own per-host pools when the node talks to the real network; with an
    in-process test transport they share the node's client, so that transport routes them.
    """
    shared = node.http if node.custom_transport else None
    inbox = InboxQueue(node, relayed.dispatcher(CascadeArrivals()))
    manifests = AllianceQueue(node)  # subscribed alliance manifests, refreshed when due
    queues: list[Queue] = [
        inbox,
        DeliveryQueue(node, http=shared),
        manifests,
        Pruning(node),
        PruneQueue(node),
    ]
    return Worker(queues, node.clock)


async def close_worker(worker: Worker) -> None:
    """Release what the queues hold (attempts in flight, leased rows, connection pools)."""
    for queue in worker.queues:
        if isinstance(queue, DeliveryQueue):
            await queue.aclose()


async def run_worker(
    settings: Settings, beside: Callable[[Runtime], Coroutine[Any, Any, None]] | None = None
) -> None:
    """`solidarity-node worker`: work the queues until cancelled; `beside` (the worker's
    health and metrics server) runs as long as the worker does."""
    node = make_runtime(settings)
    try:
        await node.start()
        worker = build_worker(node)
        node.wake_worker = worker.notify
        log.info("worker started: %s", ", ".join(queue.name for queue in worker.queues))
        side = asyncio.create_task(beside(node)) if beside is not None else None
        try:
            await worker.run_forever()
        finally:
            if side is not None:
                side.cancel()
                await asyncio.gather(side, return_exceptions=True)
            await close_worker(worker)
    finally:
        await node.close()
