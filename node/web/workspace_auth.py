"""Signing in and out of the workspace: the sign-in form (throttled and locked out by
solidarity.membership), the one-time link where a member sets a password, sign-out of this
browser, and sign-out everywhere (every session of the member ends)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import InvalidInput, NotFound, Unauthorized
from node.solidarity import membership
from node.web import forms, rendering, sessions
from node.web.app_state import runtime
from node.web.follow_box import client_address
from node.web.web_keys import web_state


def safe_next(target: str) -> str | None:
    """Only a path of this node's workspace or interaction page (never another site) is
    followed after sign-in."""
    local = target.startswith(("/workspace/", "/authorize_interaction?"))
    if local and "//" not in target.split("?")[0] and "\\" not in target:
        return target
    return None


async def entry(request: Request) -> Response:
    found = await sessions.current(request)
    if found is None:
        return RedirectResponse("/workspace/signin", status_code=303)
    org = await membership.organisation_of(runtime(request), found[0].member)
    return RedirectResponse(f"/workspace/{org.username}", status_code=303)


async def signin_page(request: Request, error: str = "", status: int = 200) -> Response:
    context = {
        "next": request.query_params.get("next", ""),
        "email": "",
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_signin.html", context, status)


async def show_signin(request: Request) -> Response:
    return await signin_page(request)


async def signin(request: Request) -> Response:
    form = await forms.read(request)
    node = runtime(request)
    email, target = form.text("email"), form.text("next")
    context = {"next": target, "email": email, "done": ""}
    try:
        token = await membership.sign_in(node, email, form.get("password"), client_address(request))
    except membership.Locked:
        return await rendering.page(request, "ws_signin.html", context | {"error": "locked"}, 429)
    except Unauthorized:
        return await rendering.page(request, "ws_signin.html", context | {"error": "wrong"}, 401)
    found = await membership.session_of(node, token)
    assert found is not None
    org = await membership.organisation_of(node, found.member)
    response = RedirectResponse(safe_next(target) or f"/workspace/{org.username}", status_code=303)
    sessions.start(request, response, await web_state(request), token)
    return response


async def welcome(request: Request) -> Response:
    member = await membership.by_link(runtime(request), request.path_params["secret"])
    context = {"email": member.email, "error": ""}
    response = await rendering.page(request, "ws_welcome.html", context)
    response.headers["Cache-Control"] = "no-store"  # the address is a secret
    return response


async def set_password(request: Request) -> Response:
    form = await forms.read(request)
    node = runtime(request)
    secret = request.path_params["secret"]
    member = await membership.by_link(node, secret)
    context = {"email": member.email}
    if form.get("password") != form.get("confirm"):
        return await rendering.page(
            request, "ws_welcome.html", context | {"error": "mismatch"}, 400
        )
    try:
        token = await membership.set_password(node, secret, form.get("password"))
    except InvalidInput:
        return await rendering.page(request, "ws_welcome.html", context | {"error": "short"}, 400)
    except NotFound:
        return await signin_page(request, "used", 400)
    org = await membership.organisation_of(node, member)
    response = RedirectResponse(f"/workspace/{org.username}?done=welcome", status_code=303)
    sessions.start(request, response, await web_state(request), token)
    return response


async def signout(request: Request) -> Response:
    await forms.read(request)
    node = runtime(request)
    found = await sessions.current(request)
    everywhere = request.url.path.endswith("/everywhere")
    if found is not None:
        signed_in, token = found
        if everywhere:
            await membership.sign_out_everywhere(node, signed_in.member)
        else:
            await membership.sign_out(node, token)
    done = "signed-out-everywhere" if everywhere else "signed-out"
    response = RedirectResponse(f"/workspace/signin?done={done}", status_code=303)
    sessions.clear(request, response)
    return response
