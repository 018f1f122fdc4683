"""Assembling and running the worker: its lanes (inbox effects, deliveries) over a node.

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
import signal
import subprocess
import sys
import threading
from collections.abc import Collection, Iterator

from node.config import Settings
from node.federation import inbox_effects, relayed
from node.federation.delivery_queue import DeliveryQueue
from node.federation.inbox_queue import InboxQueue
from node.federation.runtime import Runtime, make_runtime
from node.solidarity.arrivals import CascadeArrivals
from node.solidarity.closing import ClosingQueue
from node.storage import wakeups
from node.workers import Queue, Worker

log = logging.getLogger("node.runner")

# `serve`'s worker processes yield the CPU to the server's: requests are answered first (peers
# time out and retry), items are worked with what is left, within SN_INBOX_QUEUE_LIMIT
WORKER_NICENESS = 5
STOP_SECONDS = 10.0
RESTART_SECONDS = 2.0


LANES = (wakeups.INBOX, wakeups.DELIVERIES, ClosingQueue.name)
# `serve` keeps the lanes that must answer at once; its worker processes take the inbox's
SERVER_LANES = (wakeups.DELIVERIES, ClosingQueue.name)
PROCESS_LANES = (wakeups.INBOX,)


def serving_lanes(settings: Settings) -> Collection[str]:
    """The lanes a `serve` process works itself."""
    return SERVER_LANES if settings.worker_processes else LANES


def build_worker(node: Runtime, lanes: Collection[str] = LANES) -> Worker:
    """A Worker over the inbox queue, the delivery queue and the calls to close (those of them
    named in `lanes`), each in a lane of its own.

    Deliveries get their own per-host pools when the node talks to the real network; with an
    in-process test transport they share the node's client, so that transport routes them.
    """
    shared = node.http if node.custom_transport else None
    arrivals = CascadeArrivals()
    inbox = InboxQueue(node, relayed.dispatcher(arrivals), inbox_effects.creator(arrivals))
    queues: list[Queue] = [inbox, DeliveryQueue(node, http=shared), ClosingQueue(node)]
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
    parent_fd: int | None = None,
    niceness: int = 0,
) -> None:
    """`solidarity-node worker`: work the queues (`lanes`) until cancelled, SIGTERM or SIGINT,
    or (with `parent_fd`, the read end of a pipe its parent holds open) the parent's end."""
    if niceness:
        os.nice(niceness)
    node = make_runtime(settings)
    try:
        await node.start()
        worker = build_worker(node, lanes)
        log.info("worker started: %s", ", ".join(queue.name for queue in worker.queues))
        main = asyncio.current_task()
        assert main is not None
        with _stopped_by(main, parent_fd):
            with contextlib.suppress(asyncio.CancelledError):
                await run_attached(node, worker)
    finally:
        await node.close()


@contextlib.contextmanager
def _stopped_by(task: asyncio.Task[None], parent_fd: int | None) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    if parent_fd is not None:

        def parent_gone() -> None:
            # readable = end of file, which stays readable: cancel once, or every turn of the
            # loop would cancel the clean-up (releasing the rows in hand) too
            loop.remove_reader(parent_fd)
            task.cancel()

        loop.add_reader(parent_fd, parent_gone)
    try:
        yield
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if parent_fd is not None:
            loop.remove_reader(parent_fd)


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
            "-m",
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
