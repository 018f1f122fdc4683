"""An httpx transport that routes each host to an in-process ASGI app (*.test hosts).

Unknown hosts, and hosts marked down, fail with ConnectError: tests never touch the network.
"""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp


class HostRouter(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.apps: dict[str, httpx.ASGITransport] = {}
        self.down: set[str] = set()
        self.requests: list[httpx.Request] = []

    def add(self, host: str, app: ASGIApp) -> None:
        self.apps[host] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode("ascii")
        self.requests.append(request)
        if host in self.down or host not in self.apps:
            raise httpx.ConnectError(f"{host} is unreachable", request=request)
        return await self.apps[host].handle_async_request(request)
