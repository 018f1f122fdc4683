"""ASGI apps served by uvicorn inside the test's own event loop, on loopback.

`running()` starts a server (on 127.0.0.1 at a free port, or on sockets the caller bound) and
stops it when the block ends; `serve()` is the common case, yielding the base URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Sequence
from typing import Any

import uvicorn


@contextlib.asynccontextmanager
async def running(
    app: Any,
    sockets: Sequence[socket.socket] | None = None,
    *,
    log_level: str = "warning",
    **options: Any,
) -> AsyncIterator[uvicorn.Server]:
    """Run `app` with uvicorn (no lifespan) until the block ends; yield the started server.
    Without `sockets` it listens on 127.0.0.1 at a free port. `options` go to uvicorn.Config."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level=log_level, lifespan="off", **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=list(sockets) if sockets else None))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before starting")
            await asyncio.sleep(0)
        yield server
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def serve(app: Any, *, log_level: str = "warning") -> AsyncIterator[str]:
    """Run `app` with uvicorn on 127.0.0.1 at a free port; yield its base URL."""
    async with running(app, log_level=log_level) as server:
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
