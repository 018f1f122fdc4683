"""The workspace's network pages: following and unfollowing, answering follow requests, allies
and their amplification policies (owners change them), and the amplifications waiting for a
member's decision. Each action calls the use case the API calls."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import InvalidInput, SolidarityError
from node.federation import following
from node.solidarity import allies, amplification
from node.web import forms, rendering
from node.web.app_state import runtime
from node.web.sessions import Workspace, member_who, members_only
from node.web.workspace_publishing import labels


async def follows_page(
    request: Request, ws: Workspace, error: str = "", status: int = 200
) -> Response:
    node = runtime(request)
    context = {
        "following": await following.following_of(node, ws.org),
        "followers": await following.followers_of(node, ws.org),
        "target": request.query_params.get("target", ""),
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_follows.html", context, status)


@members_only()
async def show_follows(request: Request, ws: Workspace) -> Response:
    return await follows_page(request, ws)


@members_only()
async def follow(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        await following.follow(runtime(request), ws.org, form.text("target"))
    except SolidarityError as exc:
        return await follows_page(request, ws, str(exc), 400)
    return RedirectResponse(f"{ws.path}/follows?done=following", status_code=303)


@members_only()
async def unfollow(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    await following.unfollow(runtime(request), ws.org, request.path_params["key"])
    return RedirectResponse(f"{ws.path}/follows?done=unfollowed", status_code=303)


@members_only()
async def decide_follower(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    accept = form.get("decision") == "approve"
    await following.decide(runtime(request), ws.org, form.text("actor"), accept)
    return RedirectResponse(f"{ws.path}/follows?done=decided", status_code=303)


async def allies_page(
    request: Request, ws: Workspace, error: str = "", status: int = 200
) -> Response:
    context = {
        "allies": await allies.of(runtime(request), ws.org),
        "policies": allies.POLICIES,
        "circle_names": await allies.circle_names(runtime(request), ws.org),
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_allies.html", context, status)


@members_only()
async def show_allies(request: Request, ws: Workspace) -> Response:
    return await allies_page(request, ws)


@members_only(owner=True)
async def add_ally(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    body = {
        "amplify": form.text("amplify") or "manual",
        "regions": labels(form.get("regions")),
        "themes": [t.lstrip("#") for t in labels(form.get("themes"))],
        "circle": form.text("circle") or None,
    }
    try:
        policy = allies.policy_from(body)
        who = member_who(request, ws)
        await allies.add(runtime(request), ws.org, form.text("actor"), policy, who=who)
    except SolidarityError as exc:
        return await allies_page(request, ws, str(exc), 400)
    return RedirectResponse(f"{ws.path}/allies?done=ally", status_code=303)


@members_only(owner=True)
async def remove_ally(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    ally_id = request.path_params["id"]
    await allies.remove(runtime(request), ws.org, ally_id, who=member_who(request, ws))
    return RedirectResponse(f"{ws.path}/allies?done=ally-removed", status_code=303)


@members_only()
async def show_amplifications(request: Request, ws: Workspace) -> Response:
    context = {
        "pending": await amplification.pending(runtime(request), ws.org),
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_amplifications.html", context)


@members_only()
async def decide_amplification(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    verdict = request.path_params["decision"]
    if verdict not in ("approve", "reject"):
        raise InvalidInput("approve or reject")
    try:
        await amplification.decide(
            runtime(request), ws.org, request.path_params["id"], verdict == "approve"
        )
    except InvalidInput:  # decided meanwhile, or the call closed: nothing was sent
        return RedirectResponse(f"{ws.path}/amplifications?done=expired", status_code=303)
    return RedirectResponse(f"{ws.path}/amplifications?done={verdict}d", status_code=303)
