"""Inbox endpoints (per organisation and shared): screen, store, answer 202."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.inbox import Incoming, check_declared_size, check_media_type
from node.errors import NotFound, PayloadTooLarge
from node.solidarity import organisations, receiving
from node.web.services import services


async def read_body(request: Request, limit: int) -> bytes:
    check_declared_size(request.headers, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def inbox(request: Request) -> Response:
    node = services(request)
    name = request.path_params.get("name")
    if name is not None:
        org = await organisations.get(node.db, name)
        if org.is_deleted:
            raise NotFound(f"{name} was deleted")
    await node.inbox_backlog.admit(node.db.transaction)  # before any work: 503 is cheap
    body = await read_body(request, node.settings.inbox_max_bytes)
    check_media_type(request.headers)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    incoming = Incoming(request.method, path, dict(request.headers), body)
    await receiving.receive(node, incoming, name)
    return Response(status_code=202)
