"""The organisation's API tokens over the API: GET /api/v1/tokens lists them (never their
secrets), POST creates one (its secret is in that answer only), DELETE /api/v1/tokens/{id}
revokes one. Bearer token required; an organisation sees and revokes its own tokens only."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.vocabulary import iso
from node.errors import InvalidInput
from node.solidarity import organisations
from node.storage import audit
from node.storage.tokens import TokenInfo
from node.web import auth
from node.web.api import read_json
from node.web.api_cascade import int_param
from node.web.app_state import runtime
from node.web.json_responses import json_response


def token_json(info: TokenInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "label": info.label,
        "created": iso(info.created_at),
        "expires": iso(info.expires_at) if info.expires_at else None,
        "last_used": iso(info.last_used_at) if info.last_used_at else None,
    }


async def list_tokens(request: Request) -> Response:
    org = await auth.organisation(request)
    found = await organisations.list_tokens(runtime(request).db, org.username)
    return json_response({"tokens": [token_json(info) for info in found]})


async def create_token(request: Request) -> Response:
    """{label?, expires_in_days?} -> 201 with the token's fields and, once, its `token`."""
    org = await auth.organisation(request)
    body = await read_json(request)
    label, days = body.get("label", "api"), body.get("expires_in_days")
    if not isinstance(label, str):
        raise InvalidInput("'label' must be a string")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
        raise InvalidInput("'expires_in_days' must be a whole number of days")
    node = runtime(request)
    now = node.clock.now()
    async with node.db.transaction() as session:
        issued = await organisations.issue_token(session, org, label, now, days)
        details = {"label": label}
        await audit.record(
            session, auth.who(request, org), "token.create", org.username, now, details
        )
    return json_response(token_json(issued.info) | {"token": issued.secret}, status=201)


async def revoke_token(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    await organisations.revoke_token(
        node.db,
        org.username,
        int_param(request, "id"),
        who=auth.who(request, org),
        clock=node.clock,
    )
    return Response(status_code=204)
