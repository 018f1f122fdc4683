"""Health and metrics: /healthz (the process answers), /readyz (and its database does),
/metrics (Prometheus text, queue figures read from the database at scrape time).

/healthz also names the Host header it received, so `solidarity-node check` can tell that a
proxy passes it through unchanged. /metrics answers only clients with loopback or private
addresses. `worker_app` serves the same three routes for `worker`. Neither /readyz nor /metrics
says why the database failed (that goes to the log).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from node.federation.runtime import Runtime
from node.metrics import CONTENT_TYPE
from node.storage import monitoring
from node.storage.db import describe
from node.web.app_state import runtime

log = logging.getLogger("node.health")
DATABASE_TIMEOUT = 5.0  # seconds a probe or a scrape waits for the database


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "host": request.headers.get("host", "")})


async def readyz(request: Request) -> Response:
    node = runtime(request)
    if await database_answers(node):
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "unavailable"}, status_code=503)


async def metrics(request: Request) -> Response:
    if not from_inside(request):
        return JSONResponse({"error": "not found"}, status_code=404)
    node = runtime(request)
    await refresh_queues(node)
    body = await asyncio.to_thread(node.metrics.render)
    return Response(body, media_type=CONTENT_TYPE)


def from_inside(request: Request) -> bool:
    """Whether the client (as the trusted proxy reported it) has a loopback or private address:
    the hosts the node delivers to say whom it federates with, which is nobody else's business."""
    client = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


async def database_answers(node: Runtime) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), node.db.transaction() as session:
            await monitoring.ping(session)
    except Exception as exc:
        log.warning("database does not answer: %s", describe(exc))
        return False
    return True


async def refresh_queues(node: Runtime) -> None:
    """Set the queue gauges from the database; on failure they keep their last values and
    sn_database_up says 0."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), node.db.transaction() as session:
            figures = await monitoring.queue_figures(session, node.clock.now())
    except Exception as exc:
        log.warning("cannot read the queues for /metrics: %s", describe(exc))
        node.metrics.database_up.set(0)
        return
    node.metrics.database_up.set(1)
    node.metrics.set_queues(figures)


def routes() -> list[BaseRoute]:
    return [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
    ]


def worker_app(node: Runtime) -> Starlette:
    """The worker's own small HTTP server: the same health and metrics routes."""
    app = Starlette(routes=routes())
    app.state.runtime = node
    return app
