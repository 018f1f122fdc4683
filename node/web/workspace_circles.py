"""The workspace's circles page: the organisation's named circles of trusted allies with their
members (shown as @name@host where known), and, for owners, making a circle, adding a member
(a handle, found through WebFinger, or an actor URL), taking one out and deleting a circle.
Each action calls the use case the API and the command line call (node.solidarity.circles),
with the same rules and messages; a circle the path names that does not exist is a 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import SolidarityError
from node.solidarity import circles, public_reading
from node.web import forms, rendering
from node.web.app_state import runtime
from node.web.sessions import Workspace, member_who, members_only


async def circles_page(
    request: Request,
    ws: Workspace,
    error: str = "",
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    node = runtime(request)
    found = await circles.of(node, ws.org)
    members = {iri for circle in found for iri in circle.members}
    context = {
        "circles": found,
        "names": await public_reading.actor_labels(node, members),
        "values": values or {},
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_circles.html", context, status)


def done(ws: Workspace, what: str) -> Response:
    return RedirectResponse(f"{ws.path}/circles?done={what}", status_code=303)


@members_only()
async def show_circles(request: Request, ws: Workspace) -> Response:
    return await circles_page(request, ws)


@members_only(owner=True)
async def create_circle(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    name = form.text("name")
    try:
        who = member_who(request, ws)
        await circles.add(
            runtime(request), ws.org, name, form.lines("members"), who=who, only_new=True
        )
    except SolidarityError as exc:
        values = {"name": name, "members": form.get("members")}
        return await circles_page(request, ws, str(exc), 400, values)
    return done(ws, "circle-made")


@members_only(owner=True)
async def add_member(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    node, name = runtime(request), request.path_params["name"]
    await circles.get(node, ws.org, name)  # 404 for a circle that is not there
    try:
        await circles.add(node, ws.org, name, [form.text("actor")], who=member_who(request, ws))
    except SolidarityError as exc:
        values = {"circle": name, "actor": form.text("actor")}
        return await circles_page(request, ws, str(exc), 400, values)
    return done(ws, "circle-member-added")


@members_only(owner=True)
async def remove_member(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    node, name = runtime(request), request.path_params["name"]
    await circles.get(node, ws.org, name)
    try:
        await circles.remove_members(
            node, ws.org, name, [form.text("actor")], who=member_who(request, ws)
        )
    except SolidarityError as exc:
        return await circles_page(request, ws, str(exc), 400)
    return done(ws, "circle-member-removed")


@members_only(owner=True)
async def delete_circle(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    name = request.path_params["name"]
    await circles.delete(runtime(request), ws.org, name, who=member_who(request, ws))
    return done(ws, "circle-deleted")
