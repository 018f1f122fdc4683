"""create_app(settings): the ASGI application with its routes, middleware and lifespan state.

Nothing happens at import time; building the app does no I/O, and its lifespan closes the
database engine and the HTTP client when the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from node import logs
from node.clock import Clock
from node.config import Settings, settings_from_environment
from node.errors import SolidarityError
from node.federation.runtime import Runtime, make_runtime
from node.runner import LANES, build_worker, run_attached, serving_lanes
from node.web import middleware
from node.web.observability import ObservedRequests
from node.web.routes import routes


async def run_in_process_worker(node: Runtime, lanes: Collection[str] = LANES) -> None:
    await run_attached(node, build_worker(node, lanes))


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    runtime: Runtime | None = None,
    run_worker: bool = False,
    lanes: Collection[str] = LANES,
) -> Starlette:
    """The node's ASGI app; with run_worker, its lifespan also runs the worker's `lanes` in
    process (all of them unless `serve` started worker processes for the inbox)."""
    node = runtime or make_runtime(settings, clock=clock, transport=transport)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await node.start()
        task = asyncio.create_task(run_in_process_worker(node, lanes)) if run_worker else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await node.close()

    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(middleware.RequestIdMiddleware),
            Middleware(middleware.NulMiddleware),
            Middleware(ObservedRequests),
        ],
        exception_handlers={
            SolidarityError: middleware.solidarity_error,
            HTTPException: middleware.http_error,
            Exception: middleware.unexpected_error,
        },
        lifespan=lifespan,
    )
    app.state.runtime = node
    return app


def create_app_from_environment() -> Starlette:
    """uvicorn's factory for `serve --workers N`: each process serves the node in SN_DATA_DIR
    and, unless serve_worker is off, runs its own in-process worker (rows are leased, so the
    workers share the queues), the inbox's lane left to the worker processes when `serve`
    started some. It sets up the process's logging, as `serve` does for one."""
    settings = settings_from_environment()
    logs.configure(settings.log_format, settings.log_level)
    return create_app(settings, run_worker=settings.serve_worker, lanes=serving_lanes(settings))
