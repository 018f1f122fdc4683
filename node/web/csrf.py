"""CSRF protection for every form: a random `sn_csrf` cookie (HttpOnly, SameSite=Lax) and, in
each form, a token that is the HMAC of that cookie under the web key. A post is refused (403)
unless its token matches its cookie, and unless its Origin, when sent, is the node's own.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from node.errors import Forbidden
from node.urls import origin_of
from node.web.app_state import runtime
from node.web.web_keys import WebState

COOKIE = "sn_csrf"
FIELD = "csrf"
PURPOSE = "csrf"


def _cookie(request: Request) -> str:
    given = request.cookies.get(COOKIE, "")
    if 20 <= len(given) <= 64 and given.isascii():
        return given
    minted = getattr(request.state, "csrf_minted", None)
    if minted is None:
        minted = request.state.csrf_minted = secrets.token_urlsafe(24)
    return str(minted)


def token(request: Request, web: WebState) -> str:
    """The token to put in this page's forms (a cookie is minted if the browser has none)."""
    return web.mac(PURPOSE, _cookie(request))


def attach(request: Request, response: Response) -> None:
    """Send the cookie a page's forms were made for, if it was minted for this page."""
    minted = getattr(request.state, "csrf_minted", None)
    if minted is not None:
        secure = runtime(request).urls.scheme == "https"
        response.set_cookie(
            COOKIE, str(minted), httponly=True, samesite="lax", secure=secure, path="/"
        )


def check(request: Request, web: WebState, form: dict[str, str]) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin_of(origin) != origin_of(runtime(request).urls.base):
        raise Forbidden("this form was sent from another site")
    given = request.cookies.get(COOKIE, "")
    sent = form.get(FIELD, "")
    if not given or not sent or not hmac.compare_digest(web.mac(PURPOSE, given), sent):
        raise Forbidden("the form's security token is missing or stale: reload the page")
