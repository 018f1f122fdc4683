"""The cascade API: allies and their policies, amplifications awaiting a member, amplifying a
call by hand, and a call's cascade tree. DESIGN §5; bearer token required."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.vocabulary import iso
from node.errors import InvalidInput
from node.solidarity import allies, amplification, cascade
from node.storage.allies import Ally
from node.storage.amplifications import Amplification
from node.storage.objects import StoredObject
from node.web import auth
from node.web.api import read_json, text_field
from node.web.app_state import runtime
from node.web.json_responses import json_response


def ally_json(ally: Ally, circle_names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": ally.id,
        "actor": ally.ally_iri,
        "amplify": ally.amplify,
        "regions": list(ally.regions),
        "themes": list(ally.themes),
        "circle": circle_names.get(ally.circle_id) if ally.circle_id is not None else None,
        "since": iso(ally.created_at),
    }


def amplification_json(row: Amplification, call: StoredObject | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": row.id,
        "object": row.object_iri,
        "state": row.state,
        "through": row.through_iri,
        "via": row.via_iri,
        "hop": row.hop,
        "announce": row.announce_iri,
        "queued": iso(row.created_at),
    }
    if call is not None:
        found |= {"title": call.fields.title, "urgency": call.fields.urgency}
    return found


def int_param(request: Request, name: str) -> int:
    text = request.path_params[name]
    if not text.isdigit():
        raise InvalidInput(f"'{name}' must be a number, not {text!r}")
    return int(text)


async def create_ally(request: Request) -> Response:
    org = await auth.organisation(request)
    body = await read_json(request)
    target = text_field(body, "actor")
    policy = allies.policy_from(body)
    node = runtime(request)
    ally, created = await allies.add(node, org, target, policy, who=auth.who(request, org))
    names = await allies.circle_names(node, org)
    return json_response(ally_json(ally, names), status=201 if created else 200)


async def list_allies(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    found = await allies.of(node, org)
    names = await allies.circle_names(node, org)
    return json_response({"allies": [ally_json(a, names) for a in found]})


async def delete_ally(request: Request) -> Response:
    org = await auth.organisation(request)
    ally_id = int_param(request, "id")
    await allies.remove(runtime(request), org, ally_id, who=auth.who(request, org))
    return Response(status_code=204)


async def list_pending(request: Request) -> Response:
    org = await auth.organisation(request)
    found = await amplification.pending(runtime(request), org)
    return json_response({"pending": [amplification_json(row, call) for row, call in found]})


async def decide(request: Request) -> Response:
    org = await auth.organisation(request)
    verdict = request.path_params["decision"]
    if verdict not in ("approve", "reject"):
        raise InvalidInput("use /api/v1/amplifications/{id}/approve or …/reject")
    row = await amplification.decide(
        runtime(request), org, int_param(request, "id"), verdict == "approve"
    )
    return json_response(amplification_json(row))


async def amplify(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    call = await cascade.known_call(node, org, request.path_params["key"])
    row = await amplification.by_hand(node, org, call)
    return json_response(amplification_json(row), status=201)


async def show_cascade(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    call = await cascade.known_call(node, org, request.path_params["key"])
    return json_response(await cascade.tree(node, call))
