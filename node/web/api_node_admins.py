"""The node's admins over the admin API (an admin token): list, add and remove admins by
email, each change audited with the token's label and the client's address."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.vocabulary import iso
from node.solidarity import node_admins
from node.storage.node_admins import NodeAdmin
from node.web import auth
from node.web.api import read_json, text_field
from node.web.app_state import runtime
from node.web.json_responses import json_response


def admin_json(admin: NodeAdmin) -> dict[str, Any]:
    return {"email": admin.email, "since": iso(admin.added_at), "added_by": admin.added_by}


async def list_admins(request: Request) -> Response:
    await auth.admin(request)
    found = await node_admins.listed(runtime(request))
    return json_response({"admins": [admin_json(admin) for admin in found]})


async def add_admin(request: Request) -> Response:
    who = await auth.admin(request)
    body = await read_json(request)
    admin = await node_admins.add(runtime(request), text_field(body, "email"), who)
    return json_response(admin_json(admin), status=201)


async def remove_admin(request: Request) -> Response:
    who = await auth.admin(request)
    await node_admins.remove(runtime(request), request.path_params["email"], who)
    return Response(status_code=204)
