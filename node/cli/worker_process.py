"""The `worker` process: the queues until SIGTERM or SIGINT (either stops it cleanly, releasing
the rows it holds, as systemd and container runtimes expect), and, given a port, a small HTTP
server with /healthz, /readyz and /metrics beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from functools import partial

import uvicorn

from node.config import Settings
from node.federation.runtime import Runtime
from node.runner import run_worker
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


async def run_worker_process(settings: Settings, host: str, port: int | None) -> None:
    """Work until a stop signal; the worker's own errors (no database, …) propagate."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping.set)
    beside = partial(serve_health, host=host, port=port) if port is not None else None
    work = asyncio.create_task(run_worker(settings, beside=beside))
    stop = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        work.cancel()
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
    with contextlib.suppress(asyncio.CancelledError):
        await work  # its cleanup runs here; a failure of its own is raised
