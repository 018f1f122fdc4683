"""Members' sessions in the browser: the `sn_session` cookie (the session token and its HMAC
under the web key; HttpOnly, SameSite=Lax, Secure on an https node), who is signed in, and the
gate of every workspace page: signed in (else off to the sign-in page), a member of the
organisation the path names (else 403), an owner where owners alone may act (else 403), a
node admin (an email in node_admins) on the admin pages (else 403).
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import Forbidden
from node.solidarity import membership, node_admins, notifications
from node.storage import audit
from node.storage.actors import LocalActor
from node.storage.audit import Who
from node.storage.member_sessions import SignedIn
from node.storage.members import Member
from node.web.app_state import runtime
from node.web.auth import origin
from node.web.web_keys import WebState, web_state

COOKIE = "sn_session"
PURPOSE = "session"


@dataclass(frozen=True)
class Workspace:
    """A signed-in member at work in their organisation's workspace."""

    member: Member
    org: LocalActor
    token: str
    unread: int
    admin: bool = False  # a node admin: the admin pages are open to them

    @property
    def path(self) -> str:
        return f"/workspace/{self.org.username}"


Handler = Callable[[Request, Workspace], Awaitable[Response]]


def signed(web: WebState, token: str) -> str:
    return f"{token}.{web.mac(PURPOSE, token)}"


def token_of(request: Request, web: WebState) -> str | None:
    token, _, mac = request.cookies.get(COOKIE, "").partition(".")
    if token and mac and hmac.compare_digest(web.mac(PURPOSE, token), mac):
        return token
    return None


async def current(request: Request) -> tuple[SignedIn, str] | None:
    token = token_of(request, await web_state(request))
    if token is None:
        return None
    found = await membership.session_of(runtime(request), token)
    return None if found is None else (found, token)


def start(request: Request, response: Response, web: WebState, token: str) -> None:
    secure = runtime(request).urls.scheme == "https"
    lifetime = int(membership.SESSION_LIFETIME.total_seconds())
    response.set_cookie(
        COOKIE,
        signed(web, token),
        max_age=lifetime,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear(request: Request, response: Response) -> None:
    secure = runtime(request).urls.scheme == "https"
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


def to_signin(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/workspace/signin?next={quote(here, safe='/')}", status_code=303)


def member_who(request: Request, ws: Workspace) -> Who:
    """The signed-in member, for the audit log: their email and where the request came from."""
    return Who(audit.MEMBER, ws.member.email, origin(request))


async def workspace(request: Request, owner: bool, admin: bool = False) -> Workspace | None:
    """The signed-in member of the organisation in the path; None if nobody is signed in."""
    found = await current(request)
    if found is None:
        return None
    signed_in, token = found
    node = runtime(request)
    org = await membership.organisation_of(node, signed_in.member)
    wanted = request.path_params.get("org", org.username)
    if org.username != wanted:
        raise Forbidden(f"you are not a member of {wanted}")
    if owner and not signed_in.member.is_owner:
        raise Forbidden("only the organisation's owners may do this")
    is_admin = await node_admins.is_admin(node, signed_in.member.email)
    if admin and not is_admin:
        raise Forbidden("only the node's admins may do this")
    unread = await notifications.unread_count(node, org, signed_in.member)
    return Workspace(signed_in.member, org, token, unread, is_admin)


def members_only(
    owner: bool = False, admin: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Route handlers of the workspace get the Workspace; strangers are sent to sign in;
    `admin`: node admins only (the admin pages)."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def gated(request: Request) -> Response:
            found = await workspace(request, owner, admin)
            if found is None:
                return to_signin(request)
            request.state.workspace = found
            response = await handler(request, found)
            response.headers["Cache-Control"] = "no-store"
            return response

        return gated

    return wrap
