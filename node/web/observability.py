"""Every HTTP request counted, timed and logged: the metrics by route group and status, and
one access line (method, path without its query, status, milliseconds; no client address),
written under the request's id. Runs inside RequestIdMiddleware.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from node.federation.runtime import Runtime
from node.metrics import route_group

log = logging.getLogger("node.access")


class ObservedRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            self.record(scope, status, time.perf_counter() - started)

    @staticmethod
    def record(scope: Scope, status: int, seconds: float) -> None:
        method, path = scope["method"], scope["path"]
        node = scope["app"].state.runtime
        if isinstance(node, Runtime):
            node.metrics.request(route_group(method, path), status, seconds)
        if log.isEnabledFor(logging.INFO):
            milliseconds = round(seconds * 1000, 1)
            fields = {"method": method, "path": path, "status": status, "ms": milliseconds}
            log.info("%s %s %d %.1f ms", method, path, status, milliseconds, extra={"http": fields})
