"""Assembling and running the worker: its lanes (inbox effects, deliveries, closing calls,
alliance manifests, pruning of received objects past their retention and of unattached uploads).

build_worker() wires the queues to a node's Runtime; attach() makes what this process stores
wake the lanes at once, here and (node.storage.wakeups) in the node's other processes;
run_worker() is `solidarity-node worker`: it starts the node, listens for other processes'
wake-ups, runs the lanes until cancelled or told to stop, and then releases what it holds.
WorkerProcesses are `serve`'s workers in processes of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from node.config import Settings
from node.federation import inbox_creates, relayed
from node.federation.alliances import AllianceQueue
from node.federation.delivery_queue import DeliveryQueue
from node.federation.inbox_queue import InboxQueue
from node.federation.pruning import Pruning
from node.federation.runtime import Runtime, make_runtime
from node.solidarity.arrivals import CascadeArrivals
from node.solidarity.attachments import PruneQueue
from node.solidarity.closing import ClosingQueue
from node.storage import wakeups
from node.workers import Queue, Worker

log = logging.getLogger("node.runner")

# `serve`'s worker processes yield the CPU to the server's: requests are answered first (peers
# time out and retry), items are worked with what is left, within SN_INBOX_QUEUE_LIMIT
WORKER_NICENESS = 5
STOP_SECONDS = 10.0
RESTART_SECONDS = 2.0


# every queue in a lane of its own; `serve` keeps the lanes that must answer at once (and the
# periodic ones), its worker processes take the inbox's
LANES = (
    wakeups.INBOX,
    wakeups.DELIVERIES,
    ClosingQueue.name,
    AllianceQueue.name,
    Pruning.name,
    PruneQueue.name,
)
PROCESS_LANES = (wakeups.INBOX,)
SERVER_LANES = tuple(lane for lane in LANES if lane not in PROCESS_LANES)


def serving_lanes(settings: Settings) -> Collection[str]:
    """The lanes a `serve` process works itself."""
    return SERVER_LANES if settings.worker_processes else LANES


def build_worker(node: Runtime, lanes: Collection[str] = LANES) -> Worker:
    """A Worker over the inbox queue, the delivery queue, the calls to close, subscribed
    alliance manifests (refreshed when due) and pruning (those of them named in `lanes`), each
    in a lane of its own.

    Deliveries get their own per-host pools when the node talks to the real network; with an
    in-process test transport they share the node's client, so that transport routes them.
    """
    shared = node.http if node.custom_transport else None
    arrivals = CascadeArrivals()
    inbox = InboxQueue(node, relayed.dispatcher(arrivals), inbox_creates.creator(arrivals))
    queues: list[Queue] = [
        inbox,
        DeliveryQueue(node, http=shared),
        ClosingQueue(node),
        AllianceQueue(node),
        Pruning(node),
        PruneQueue(node),
    ]
    return Worker([queue for queue in queues if queue.name in lanes], node.clock)


def attach(node: Runtime, worker: Worker) -> None:
    """What this process stores wakes the lane concerned at once, here and elsewhere."""
    tell = node.wakeups.tell

    def wake_deliveries() -> None:
        worker.notify(wakeups.DELIVERIES)
        tell(wakeups.DELIVERIES)

    def wake_inbox() -> None:
        worker.notify(wakeups.INBOX)
        tell(wakeups.INBOX)

    node.wake_worker = wake_deliveries
    node.wake_inbox = wake_inbox


async def run_attached(node: Runtime, worker: Worker) -> None:
    """The lanes, woken by this process and by the node's others, until cancelled."""
    attach(node, worker)
    names = [queue.name for queue in worker.queues]
    try:
        async with asyncio.TaskGroup() as running:
            running.create_task(worker.run_forever(), name="worker")
            running.create_task(node.wakeups.listen(names, worker.notify), name="wakeups")
    finally:
        await worker.aclose()


async def close_worker(worker: Worker) -> None:
    """Release what the queues hold (attempts in flight, leased rows, connection pools)."""
    await worker.aclose()


async def run_worker(
    settings: Settings,
    *,
    lanes: Collection[str] = LANES,
    beside: Callable[[Runtime], Coroutine[Any, Any, None]] | None = None,
) -> None:
    """`solidarity-node worker`: work the queues (`lanes`) until cancelled (node.cli's
    worker_process handles the signals); `beside` (the worker's health and metrics server) runs
    as long as the worker does."""
    node = make_runtime(settings)
    try:
        await node.start()
        worker = build_worker(node, lanes)
        log.info("worker started: %s", ", ".join(queue.name for queue in worker.queues))
        side = asyncio.create_task(beside(node)) if beside is not None else None
        try:
            await run_attached(node, worker)
        finally:
            if side is not None:
                side.cancel()
                await asyncio.gather(side, return_exceptions=True)
    finally:
        await node.close()


class WorkerProcesses:
    """`serve`'s inbox workers, each `solidarity-node worker --lanes inbox` in a child process
    at a lower CPU priority (the server keeps the lanes that must answer at once). A child that
    ends is started again (at most once per RESTART_SECONDS). A child ends with its parent,
    even a killed one: it watches a pipe whose write end only the parent holds."""

    def __init__(self, settings: Settings, count: int) -> None:
        self.settings = settings
        self.count = count
        self.children: list[tuple[subprocess.Popen[bytes], int]] = []  # with the pipe's end
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        self.children = [self._spawn() for _ in range(self.count)]
        if self.children:
            self._watcher = threading.Thread(target=self._watch, name="workers", daemon=True)
            self._watcher.start()

    def _spawn(self) -> tuple[subprocess.Popen[bytes], int]:
        read_end, write_end = os.pipe()
        command = [
            sys.executable,
            "-P",  # never the working directory on the path: a data directory named node/
            "-m",  # there would hide the package (the child failed at import, again and again)
            "node.cli",
            "--data-dir",
            str(self.settings.data_dir),
            "worker",
            "--lanes",
            ",".join(PROCESS_LANES),
            "--parent-fd",
            str(read_end),
            "--nice",
            str(WORKER_NICENESS),
        ]
        try:
            child = subprocess.Popen(command, pass_fds=(read_end,))
        finally:
            os.close(read_end)
        return child, write_end

    def _watch(self) -> None:
        while not self._stopping.wait(RESTART_SECONDS):
            for n, (child, end) in enumerate(list(self.children)):
                if child.poll() is None or self._stopping.is_set():
                    continue
                log.error(
                    "worker process %d ended (%s); starting another", child.pid, child.returncode
                )
                with contextlib.suppress(OSError):
                    os.close(end)
                self.children[n] = self._spawn()

    def stop(self) -> None:
        """Close the pipes (each child stops, giving back what it holds), then wait."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
        for _child, end in self.children:
            with contextlib.suppress(OSError):
                os.close(end)
        for child, _ in self.children:
            try:
                child.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children.clear()
