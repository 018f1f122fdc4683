"""An organisation's own moderation, with its token: reports about remote actors (optionally
forwarded to their server as a Flag), and its blocks of remote actors. Audited."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.vocabulary import iso
from node.errors import InvalidInput, NotFound
from node.federation import blocking
from node.solidarity import reports
from node.storage.actor_blocks import ActorBlock
from node.web import auth
from node.web.api import read_json, text_field
from node.web.api_admin import path_int, query_int, report_json
from node.web.app_state import runtime
from node.web.json_responses import json_response


async def create_report(request: Request) -> Response:
    org = await auth.organisation(request)
    body = await read_json(request)
    objects = body.get("objects", [])
    comment = body.get("comment", "")
    forward = body.get("forward", False)
    if not isinstance(objects, list) or not all(isinstance(o, str) for o in objects):
        raise InvalidInput("'objects' must be a list of URLs")
    if not isinstance(comment, str) or not isinstance(forward, bool):
        raise InvalidInput("'comment' must be a string and 'forward' true or false")
    made = await reports.file_report(
        runtime(request),
        org,
        text_field(body, "actor"),
        objects,
        comment,
        forward=forward,
        who=auth.who(request, org),
    )
    return json_response(report_json(made), status=201)


async def list_reports(request: Request) -> Response:
    """The organisation's own reports, open and resolved, newest first."""
    org = await auth.organisation(request)
    found = await reports.listed(
        runtime(request),
        state=None,
        org=org,
        limit=query_int(request, "limit", 50) or 50,
        before=query_int(request, "before"),
    )
    return json_response({"reports": [report_json(r) for r in found]})


def block_json(block: ActorBlock) -> dict[str, Any]:
    return {
        "id": block.id,
        "actor": block.blocked_iri,
        "block": block.block_iri,
        "since": iso(block.created_at),
    }


async def create_block(request: Request) -> Response:
    org = await auth.organisation(request)
    target = text_field(await read_json(request), "actor")
    made = await blocking.block(runtime(request), org, target, auth.who(request, org))
    return json_response(block_json(made), status=201)


async def list_blocks(request: Request) -> Response:
    org = await auth.organisation(request)
    found = await blocking.blocks_of(runtime(request), org)
    return json_response({"blocks": [block_json(b) for b in found]})


async def delete_block(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    wanted = path_int(request, "id")
    found = next((b for b in await blocking.blocks_of(node, org) if b.id == wanted), None)
    if found is None:
        raise NotFound(f"{org.username} has no block {wanted}")
    await blocking.unblock(node, org, found.blocked_iri, auth.who(request, org))
    return Response(status_code=204)
