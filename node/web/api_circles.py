"""The circles API: an organisation's named circles of trusted allies (create, list, show,
change members, delete). DESIGN §5; bearer token required."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.vocabulary import iso
from node.errors import InvalidInput
from node.solidarity import circles
from node.storage.circles import Circle
from node.web import auth
from node.web.api import read_json, text_field
from node.web.app_state import runtime
from node.web.json_responses import json_response


def circle_json(circle: Circle) -> dict[str, Any]:
    return {
        "name": circle.name,
        "members": list(circle.members),
        "created": iso(circle.created_at),
        "updated": iso(circle.updated_at),
    }


def actors_field(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidInput(f"'{name}' must be a list of handles (name@host) or actor URLs")
    return [v.strip() for v in value]


async def create_circle(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    body = await read_json(request)
    name = text_field(body, "name", limit=64)
    members = actors_field(body, "members")
    circle, _ = await circles.add(
        node, org, name, members, who=auth.who(request, org), only_new=True
    )
    return json_response(circle_json(circle), status=201)


async def list_circles(request: Request) -> Response:
    org = await auth.organisation(request)
    found = await circles.of(runtime(request), org)
    return json_response({"circles": [circle_json(c) for c in found]})


async def show_circle(request: Request) -> Response:
    org = await auth.organisation(request)
    return json_response(circle_json(await circles.get(runtime(request), org, name_of(request))))


async def change_circle(request: Request) -> Response:
    """{add: [...], remove: [...]}: members to add and to take out."""
    org = await auth.organisation(request)
    node = runtime(request)
    body = await read_json(request)
    unknown = set(body) - {"add", "remove"}
    if unknown or not body:
        raise InvalidInput("give 'add' and/or 'remove': lists of handles or actor URLs")
    name, who = name_of(request), auth.who(request, org)
    circle = await circles.get(node, org, name)
    if adding := actors_field(body, "add"):
        circle, _ = await circles.add(node, org, name, adding, who=who)
    if removing := actors_field(body, "remove"):
        circle = await circles.remove_members(node, org, name, removing, who=who)
    return json_response(circle_json(circle))


async def delete_circle(request: Request) -> Response:
    org = await auth.organisation(request)
    await circles.delete(runtime(request), org, name_of(request), who=auth.who(request, org))
    return Response(status_code=204)


def name_of(request: Request) -> str:
    name: str = request.path_params["name"]
    return name
