"""Cross-cutting HTTP behaviour: request ids, and errors mapped to clear 4xx answers.

Every SolidarityError becomes its status with a JSON `{"error": ...}` (an HTML page for
browsers); anything unexpected is logged with its request id and answered 500 without details.
"""

from __future__ import annotations

import logging
import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from node import errors
from node.logs import REQUEST_ID
from node.web import pages
from node.web.json_responses import json_error
from node.web.negotiation import HTML_TYPES

log = logging.getLogger("node.web")

STATUS: list[tuple[type[errors.SolidarityError], int]] = [
    (errors.NotFound, 404),
    (errors.Gone, 410),
    (errors.PayloadTooLarge, 413),
    (errors.UnsupportedMediaType, 415),
    (errors.InvalidInput, 400),
    (errors.Forbidden, 403),
    (errors.TooManyRequests, 429),
    (errors.Unauthorized, 401),
    (errors.SignatureError, 401),
    (errors.JsonLdError, 400),
    (errors.OriginMismatch, 400),
    (errors.WebFingerError, 400),
    (errors.FetchError, 502),
    (errors.StorageError, 503),
]
HEADINGS = {404: "Not found", 410: "Gone", 400: "Bad request", 401: "Unauthorized"}


class RequestIdMiddleware:
    """Gives each request an id (kept from X-Request-Id when sane) and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        sane = given.isascii() and given.isalnum() and len(given) <= 64
        request_id = given if sane else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        token = REQUEST_ID.set(request_id)  # log records of this request carry its id
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


class NulMiddleware:
    """Refuses (400) a request whose path or query holds a NUL character: no text the node
    stores or looks up may hold one (PostgreSQL refuses it in text), so it is never a name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"")
        ):
            response = json_error(400, "the address holds a NUL character")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def status_of(exc: errors.SolidarityError) -> int:
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 400)


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return any(t in accept for t in HTML_TYPES) and not request.url.path.startswith("/api/")


async def solidarity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.SolidarityError)
    status = status_of(exc)
    if isinstance(exc, errors.Overloaded | errors.TooManyRequests):  # expected: not logged
        return json_error(status, str(exc), headers={"Retry-After": str(exc.retry_after)})
    if status >= 500:
        log.warning("request %s failed: %s", request.state.request_id, exc)
    if wants_html(request):
        return pages.error_page(request, status, HEADINGS.get(status, "Error"), str(exc))
    return json_error(status, str(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_error(exc.status_code, str(exc.detail), headers=exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "-")
    log.exception("request %s: unexpected error", request_id)
    return json_error(500, f"internal error (request id {request_id})")
