"""API authentication: `Authorization: Bearer TOKEN` names one organisation."""

from __future__ import annotations

from starlette.requests import Request

from node.errors import Unauthorized
from node.storage import tokens
from node.storage.actors import LocalActor
from node.web.app_state import runtime


async def organisation(request: Request) -> LocalActor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "send 'Authorization: Bearer TOKEN' (see 'solidarity-node token create')"
        )
    node = runtime(request)
    async with node.db.transaction() as session:
        return await tokens.authenticate(session, token.strip(), node.clock.now())
