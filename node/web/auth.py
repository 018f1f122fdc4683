"""API authentication: `Authorization: Bearer TOKEN` names one organisation, or (a token of
the instance actor, from `solidarity-node admin token`) the node's admins. Who acted, for the
audit log, is the token's organisation or the admin token's label, with the client's address.
"""

from __future__ import annotations

from starlette.requests import Request

from node.errors import Forbidden, Unauthorized
from node.storage import audit, tokens
from node.storage.actors import ORGANIZATION, LocalActor
from node.storage.audit import Who
from node.web.app_state import runtime


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "send 'Authorization: Bearer TOKEN' (see 'solidarity-node token create')"
        )
    return token.strip()


async def identify(request: Request) -> tuple[LocalActor, str]:
    node = runtime(request)
    async with node.db.transaction() as session:
        return await tokens.identify(session, bearer(request), node.clock.now())


async def organisation(request: Request) -> LocalActor:
    actor, _label = await identify(request)
    if actor.kind != ORGANIZATION:
        raise Forbidden("an admin token acts for the node, not for an organisation")
    return actor


def origin(request: Request) -> str:
    """Where a request came from: the peer's address, and what a proxy says it forwarded."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-forwarded-for", "").strip()
    return f"{peer} (forwarded for {forwarded[:100]})" if forwarded else peer


def who(request: Request, org: LocalActor) -> Who:
    """The organisation acting through its token."""
    return Who(audit.ORGANISATION, org.username, origin(request))


async def admin(request: Request) -> Who:
    """The node's admins, through an admin token; Forbidden for an organisation's token."""
    actor, label = await identify(request)
    if actor.kind == ORGANIZATION:
        raise Forbidden("this needs a node admin's token ('solidarity-node admin token')")
    return Who(audit.ADMIN_TOKEN, label or "admin", origin(request))
