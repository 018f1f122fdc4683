"""The `worker` process: the queues until SIGTERM or SIGINT (either stops it cleanly, releasing
the rows it holds, as systemd and container runtimes expect) or, for one of `serve`'s worker
processes, until its parent is gone (the pipe it was given reads end of file); and, given a
port, a small HTTP server with /healthz, /readyz and /metrics beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Collection, Iterator
from functools import partial

import uvicorn

from node.config import Settings
from node.federation.runtime import Runtime
from node.runner import LANES, run_worker
from node.web.health import worker_app

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside a process that handles its own signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_health(node: Runtime, host: str, port: int) -> None:
    config = uvicorn.Config(
        worker_app(node),
        host=host,
        port=port,
        lifespan="off",
        log_config=None,
        access_log=False,
        server_header=False,
    )
    await _EmbeddedServer(config).serve()


async def run_worker_process(
    settings: Settings,
    host: str,
    port: int | None,
    *,
    lanes: Collection[str] = LANES,
    parent_fd: int | None = None,
    niceness: int = 0,
) -> None:
    """Work until a stop signal or (with `parent_fd`, the read end of a pipe its parent holds
    open) the parent's end; the worker's own errors (no database, …) propagate."""
    if niceness:
        os.nice(niceness)
    stopping = asyncio.Event()
    beside = partial(serve_health, host=host, port=port) if port is not None else None
    work = asyncio.create_task(run_worker(settings, lanes=lanes, beside=beside))
    stop = asyncio.create_task(stopping.wait())
    try:
        with _stopped_by(stopping, parent_fd):
            await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work  # its cleanup runs here; a failure of its own is raised


@contextlib.contextmanager
def _stopped_by(stopping: asyncio.Event, parent_fd: int | None) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping.set)
    if parent_fd is not None:

        def parent_gone() -> None:
            # end of file stays readable: stop reading it, or every turn of the loop calls this
            loop.remove_reader(parent_fd)
            stopping.set()

        loop.add_reader(parent_fd, parent_gone)
    try:
        yield
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        if parent_fd is not None:
            loop.remove_reader(parent_fd)
