"""Assembling and running the worker: the inbox queue (when present), then deliveries.

build_worker() wires the queues to a node's Services; run_worker() is `solidarity-node
worker`: it checks the database, runs until cancelled, and then releases what it holds.
"""

from __future__ import annotations

import importlib
import logging

import httpx

from node.config import Settings
from node.services import Services, make_services
from node.solidarity.deliveries import DeliveryQueue
from node.workers import Queue, Worker

log = logging.getLogger("node.runner")

INBOX_MODULE = "node.solidarity.inbox"


def build_worker(node: Services) -> Worker:
    """A Worker over the inbox queue (if that module exists) and the delivery queue."""
    queues: list[Queue] = []
    inbox = _inbox_queue(node)
    if inbox is not None:
        queues.append(inbox)
    shared = None if _default_transport(node.http) else node.http
    queues.append(DeliveryQueue(node, http=shared))
    return Worker(queues, node.clock)


async def close_worker(worker: Worker) -> None:
    """Release what the queues hold (attempts in flight, leased rows, connection pools)."""
    for queue in worker.queues:
        if isinstance(queue, DeliveryQueue):
            await queue.aclose()


async def run_worker(settings: Settings) -> None:
    """`solidarity-node worker`: work the queues until cancelled."""
    node = make_services(settings)
    try:
        await node.db.check()
        worker = build_worker(node)
        node.wake_worker = worker.notify
        log.info("worker started: %s", ", ".join(queue.name for queue in worker.queues))
        try:
            await worker.run_forever()
        finally:
            await close_worker(worker)
    finally:
        await node.close()


def _inbox_queue(node: Services) -> Queue | None:
    try:
        module = importlib.import_module(INBOX_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != INBOX_MODULE:
            raise
        return None
    queue: Queue = module.InboxQueue(node)
    return queue


def _default_transport(client: httpx.AsyncClient) -> bool:
    """Whether the node's client reaches the real network (not in-process test transports).

    Only then do deliveries get their own per-host pools; otherwise they share the client,
    so the transports the node was built with route them too.
    """
    transport = getattr(client, "_transport", None)
    return isinstance(transport, httpx.AsyncHTTPTransport) and not getattr(client, "_mounts", {})
