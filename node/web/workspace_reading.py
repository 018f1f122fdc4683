"""The workspace's reading pages: the timeline of the organisations one follows (and search over
everything the organisation may see), from which a member pledges to a call or amplifies it by
hand; and the organisation's profile settings (owners). Each action is the API's use case."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import SolidarityError
from node.solidarity import amplification, cascade, organisations, responses, timeline
from node.storage.search import Filters
from node.web import forms, rendering
from node.web.app_state import runtime
from node.web.sessions import Workspace, members_only

MAX_QUERY = 200


async def timeline_page(
    request: Request, ws: Workspace, error: str = "", status: int = 200
) -> Response:
    node = runtime(request)
    params = request.query_params
    q = params.get("q", "").strip()[:MAX_QUERY]
    filters = Filters(kind=params.get("kind") or None)
    cursor = params.get("cursor") or None
    if q:
        found = await timeline.search(node, ws.org, q, filters, cursor)
    else:
        found = await timeline.timeline(node, ws.org, filters, cursor)
    context = {
        "items": found.items,
        "next": found.next,
        "q": q,
        "kind": params.get("kind", ""),
        "error": error,
        "done": params.get("done", ""),
        "ws_actor": node.urls.actor(ws.org.username),
    }
    return await rendering.page(request, "ws_timeline.html", context, status)


@members_only()
async def show_timeline(request: Request, ws: Workspace) -> Response:
    return await timeline_page(request, ws)


@members_only()
async def pledge(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        await responses.pledge(
            runtime(request), ws.org, request.path_params["key"], form.get("content")
        )
    except SolidarityError as exc:
        return await timeline_page(request, ws, str(exc), 400)
    return RedirectResponse(f"{ws.path}/timeline?done=pledged", status_code=303)


@members_only()
async def amplify(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    node = runtime(request)
    try:
        call = await cascade.known_call(node, ws.org, request.path_params["key"])
        await amplification.by_hand(node, ws.org, call)
    except SolidarityError as exc:
        return await timeline_page(request, ws, str(exc), 400)
    return RedirectResponse(f"{ws.path}/timeline?done=amplified", status_code=303)


async def profile_page(
    request: Request, ws: Workspace, error: str = "", status: int = 200
) -> Response:
    org = await organisations.get(runtime(request).db, ws.org.username)
    context = {"org": org, "error": error, "done": request.query_params.get("done", "")}
    return await rendering.page(request, "ws_profile.html", context, status)


@members_only(owner=True)
async def show_profile(request: Request, ws: Workspace) -> Response:
    return await profile_page(request, ws)


@members_only(owner=True)
async def update_profile(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    hops = form.text("max_hops")
    try:
        await organisations.update(
            runtime(request),
            ws.org.username,
            display_name=form.text("display_name"),
            summary=form.get("summary").strip(),
            manually_approves_followers=form.get("manually_approves_followers") == "1",
            max_hops=int(hops) if hops.isdigit() and len(hops) < 4 else None,
        )
    except SolidarityError as exc:
        return await profile_page(request, ws, str(exc), 400)
    return RedirectResponse(f"{ws.path}/profile?done=saved", status_code=303)
