"""This node's alliance manifest at /.well-known/solidarity-alliance: its locally allowed
domains, signed by the instance actor (see FEDERATION.md). Fetched under the same rules as the
node's other documents: in allowlist mode, only allowed hosts' signed requests get it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from node.federation import alliances, fetch_rules
from node.web.app_state import runtime
from node.web.json_responses import json_response
from node.web.publications import incoming


async def manifest(request: Request) -> Response:
    node = runtime(request)
    await fetch_rules.screen_fetch(node, incoming(request))
    response = json_response(await alliances.own_manifest(node), media_type=alliances.MEDIA_TYPE)
    response.headers["Vary"] = "Signature"
    return response
