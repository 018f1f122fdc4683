"""The JSON API under /api/v1 (DESIGN §5): the organisation itself, follows and followers.

Every route needs a bearer token; errors are {"error": ...} with a 4xx status.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.screening import parse_json_object
from node.errors import InvalidInput
from node.federation import following
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage.actors import LocalActor
from node.storage.follows import Follow
from node.web import auth
from node.web.app_state import runtime
from node.web.inbox_endpoint import read_body
from node.web.json_responses import json_response

MAX_JSON = 64 * 1024
PROFILE_FIELDS: dict[str, type] = {
    "display_name": str,
    "summary": str,
    "manually_approves_followers": bool,
    "max_hops": int,
    "hide_follows": bool,
}
TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number"}


NUL_ESCAPE = re.compile(rb"\\u0000", re.IGNORECASE)


async def read_json(request: Request) -> dict[str, Any]:
    body = await read_body(request, MAX_JSON)
    if NUL_ESCAPE.search(body):
        raise InvalidInput("text may not hold a NUL character (\\u0000)")
    return parse_json_object(body, "with the fields")


def text_field(document: dict[str, Any], name: str, limit: int = 2048) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"'{name}' is required and must be a string")
    if len(value) > limit:
        raise InvalidInput(f"'{name}' is longer than {limit} characters")
    return value.strip()


def follow_json(follow: Follow, outgoing: bool) -> dict[str, Any]:
    other = follow.target_iri if outgoing else follow.follower_iri
    return {
        "id": follow.follow_iri,
        "target" if outgoing else "actor": other,
        "state": follow.state,
        "since": follow.created_at.isoformat(),
    }


async def create_follow(request: Request) -> Response:
    org = await auth.organisation(request)
    target = text_field(await read_json(request), "target")
    made = await following.follow(runtime(request), org, target)
    return json_response(follow_json(made, outgoing=True), status=202)


async def list_follows(request: Request) -> Response:
    org = await auth.organisation(request)
    found = await following.following_of(runtime(request), org)
    return json_response({"follows": [follow_json(f, outgoing=True) for f in found]})


async def delete_follow(request: Request) -> Response:
    org = await auth.organisation(request)
    await following.unfollow(runtime(request), org, request.path_params["key"])
    return Response(status_code=204)


async def list_followers(request: Request) -> Response:
    org = await auth.organisation(request)
    found = await following.followers_of(runtime(request), org)
    return json_response({"followers": [follow_json(f, outgoing=False) for f in found]})


async def decide_follower(request: Request) -> Response:
    org = await auth.organisation(request)
    actor = text_field(await read_json(request), "actor")
    accept = request.path_params["decision"] == "approve"
    if request.path_params["decision"] not in ("approve", "reject"):
        raise InvalidInput("use /api/v1/followers/approve or /api/v1/followers/reject")
    decided = await following.decide(runtime(request), org, actor, accept)
    return json_response(follow_json(decided, outgoing=False))


def organisation_json(node: Runtime, org: LocalActor) -> dict[str, Any]:
    return {
        "name": org.username,
        "actor": node.urls.actor(org.username),
        "display_name": org.display_name,
        "summary": org.summary,
        "manually_approves_followers": org.manually_approves_followers,
        "max_hops": org.max_hops,
        "hide_follows": org.hide_follows,
    }


async def show_organisation(request: Request) -> Response:
    org = await auth.organisation(request)
    return json_response(organisation_json(runtime(request), org))


async def update_organisation(request: Request) -> Response:
    """Change the profile or the hop cap of the token's organisation; fields left out stay."""
    org = await auth.organisation(request)
    body = await read_json(request)
    unknown = set(body) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
    for name, kind in PROFILE_FIELDS.items():
        value = body.get(name)
        if value is not None and (type(value) is not kind):
            raise InvalidInput(f"'{name}' must be {TYPE_NAMES[kind]}")
    node = runtime(request)
    updated = await organisations.update(
        node,
        org.username,
        display_name=body.get("display_name"),
        summary=body.get("summary"),
        manually_approves_followers=body.get("manually_approves_followers"),
        max_hops=body.get("max_hops"),
        hide_follows=body.get("hide_follows"),
    )
    return json_response(organisation_json(node, updated))
