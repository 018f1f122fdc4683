"""The publishing API: strategies and calls (create, revise, withdraw, pin), the responses
they received, and pledges to others' calls. DESIGN §5; bearer token required."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.errors import InvalidInput, NotFound
from node.publication import Fields, Kind
from node.solidarity import publishing, responses, validation
from node.storage.objects import StoredObject
from node.web import auth
from node.web.api import read_json, text_field
from node.web.app_state import runtime
from node.web.json_responses import json_response

KINDS = {"strategies": Kind.STRATEGY, "calls": Kind.CALL}


def kind_of(request: Request) -> Kind:
    """strategy or call, from the route's path (/api/v1/strategies/… or /api/v1/calls/…)."""
    segment = request.url.path.removeprefix("/api/v1/").split("/", 1)[0]
    kind = KINDS.get(segment)
    if kind is None:
        raise NotFound(f"no such collection /api/v1/{segment}")
    return kind


def fields_json(fields: Fields) -> dict[str, Any]:
    """A publication's fields as the API shows them, wherever it lists one."""
    return {
        "kind": fields.kind,
        "title": fields.title,
        "summary": fields.summary,
        "visibility": fields.visibility,
        "language": fields.language,
        "urgency": fields.urgency,
        "deadline": fields.deadline.isoformat() if fields.deadline else None,
        "max_hops": fields.max_hops,
        "regions": list(fields.regions),
        "themes": list(fields.themes),
        "actions": list(fields.actions),
    }


def summary(stored: StoredObject) -> dict[str, Any]:
    return {
        "id": stored.iri,
        "url": stored.iri,
        "key": stored.key,
        **fields_json(stored.fields),
        "published": stored.published.isoformat(),
        "updated": stored.updated_at.isoformat() if stored.updated_at else None,
        "pinned": stored.pinned_at is not None,
        "media_ids": list((stored.source or {}).get("media_ids", [])),
        "circle": (stored.source or {}).get("circle"),
    }


async def create(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    body = await read_json(request)
    kind = kind_of(request)
    now = node.clock.now()
    draft = validation.call(body, now) if kind is Kind.CALL else validation.strategy(body)
    stored = await publishing.publish(node, org, draft)
    return json_response(summary(stored), status=201)


async def revise(request: Request) -> Response:
    org = await auth.organisation(request)
    body = await read_json(request)
    stored = await publishing.revise(
        runtime(request), org, kind_of(request), request.path_params["key"], body
    )
    return json_response(summary(stored))


async def withdraw(request: Request) -> Response:
    org = await auth.organisation(request)
    await publishing.withdraw(runtime(request), org, kind_of(request), request.path_params["key"])
    return Response(status_code=204)


async def pin(request: Request) -> Response:
    org = await auth.organisation(request)
    pinned = request.method == "POST"
    stored = await publishing.pin(
        runtime(request), org, kind_of(request), request.path_params["key"], pinned
    )
    return json_response(summary(stored))


async def list_responses(request: Request) -> Response:
    org = await auth.organisation(request)
    found = await responses.of(runtime(request), org, kind_of(request), request.path_params["key"])
    return json_response(found)


async def create_pledge(request: Request) -> Response:
    org = await auth.organisation(request)
    if kind_of(request) is not Kind.CALL:
        raise InvalidInput("pledges answer calls, not strategies")
    text = text_field(await read_json(request), "content", limit=responses.MAX_PLEDGE)
    stored = await responses.pledge(runtime(request), org, request.path_params["key"], text)
    return json_response({"id": stored.iri, "in_reply_to": stored.content.in_reply_to}, status=202)
