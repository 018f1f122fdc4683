"""Inbox endpoints (per organisation and shared): screen, store, answer 202.

The inbox is the node's busiest route, so its endpoint is a plain ASGI app in the route table:
it skips Starlette's Request/Response wrapping (the route table, its methods and the error
mapping of node.web.middleware still apply: whatever it raises is answered as elsewhere).
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from node.activitypub.screening import Incoming, check_declared_size, check_media_type
from node.errors import PayloadTooLarge
from node.federation import receiving
from node.federation.runtime import Runtime


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


async def receive_body(receive: Receive, limit: int) -> bytes:
    """The request body from ASGI messages, refused once it is over `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class InboxEndpoint:
    """POST to a shared or per-organisation inbox: screen, store with the next batch, 202."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        node = scope["app"].state.runtime
        assert isinstance(node, Runtime)
        name: str | None = scope.get("path_params", {}).get("name")
        if name is not None:
            await node.open_inboxes.check(name)
        await node.inbox_backlog.admit(node.db.transaction)  # before any work: 503 is cheap
        limit = node.settings.inbox_max_bytes
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        check_declared_size(headers, limit)
        body = await receive_body(receive, limit)
        check_media_type(headers)
        query = scope.get("query_string", b"").decode("latin-1")
        path = scope["path"] + (f"?{query}" if query else "")
        await receiving.receive(node, Incoming(scope["method"], path, headers, body), name)
        # the headers Response(status_code=202) sends; a new list, as middleware appends to it
        start = {
            "type": "http.response.start",
            "status": 202,
            "headers": [(b"content-length", b"0")],
        }
        await send(start)
        await send({"type": "http.response.body", "body": b""})
