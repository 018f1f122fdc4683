"""The admin area's other pages (node admins only): the reports queue and its resolution, the
audit log a page at a time, the health of the hosts the node delivers to, and the node's
admins. Changes are audited with the signed-in member as `who`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import SolidarityError
from node.solidarity import node_admins, receipts, reports
from node.storage import audit
from node.web import forms, rendering
from node.web.api_admin import query_int, report_state
from node.web.app_state import runtime
from node.web.sessions import Workspace, member_who, members_only

ADMIN = "/workspace/admin"
PAGE = 50
HOSTS = 200


@members_only(admin=True)
async def show_reports(request: Request, ws: Workspace) -> Response:
    return await reports_page(request)


async def reports_page(request: Request, error: str = "", status: int = 200) -> Response:
    state = report_state(request)
    before = query_int(request, "before")
    found = await reports.listed(runtime(request), state=state, limit=PAGE, before=before)
    more = None
    if len(found) == PAGE:
        more = f"{ADMIN}/reports?" + urlencode({"state": state or "all", "before": found[-1].id})
    context = {
        "reports": found,
        "state": state or "all",
        "actions": reports.ACTIONS,
        "more": more,
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_admin_reports.html", context, status)


@members_only(admin=True)
async def resolve_report(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        await reports.resolve(
            runtime(request),
            request.path_params["id"],
            form.text("action"),
            form.text("note")[:2000],
            member_who(request, ws),
        )
    except SolidarityError as exc:
        return await reports_page(request, str(exc), 400)
    return RedirectResponse(f"{ADMIN}/reports?done=resolved", status_code=303)


@members_only(admin=True)
async def show_audit(request: Request, ws: Workspace) -> Response:
    node = runtime(request)
    action = request.query_params.get("action", "").strip()[:64] or None
    async with node.db.transaction() as session:
        found = await audit.entries(
            session, limit=PAGE, before=query_int(request, "before"), action=action
        )
    more = None
    if len(found) == PAGE:
        more = f"{ADMIN}/audit?" + urlencode(
            {"before": found[-1].id} | ({"action": action} if action else {})
        )
    context = {"entries": found, "action": action or "", "more": more}
    return await rendering.page(request, "ws_admin_audit.html", context)


@members_only(admin=True)
async def show_hosts(request: Request, ws: Workspace) -> Response:
    unavailable = request.query_params.get("unavailable") == "1"
    found = await receipts.host_health(runtime(request), limit=HOSTS, unavailable_only=unavailable)
    context = {"hosts": found, "unavailable": unavailable}
    return await rendering.page(request, "ws_admin_hosts.html", context)


async def admins_page(request: Request, error: str = "", status: int = 200) -> Response:
    context = {
        "admins": await node_admins.listed(runtime(request)),
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_admin_admins.html", context, status)


@members_only(admin=True)
async def show_admins(request: Request, ws: Workspace) -> Response:
    return await admins_page(request)


@members_only(admin=True)
async def add_admin(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        await node_admins.add(runtime(request), form.text("email"), member_who(request, ws))
    except SolidarityError as exc:
        return await admins_page(request, str(exc), 400)
    return RedirectResponse(f"{ADMIN}/admins?done=added", status_code=303)


@members_only(admin=True)
async def remove_admin(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        await node_admins.remove(runtime(request), form.text("email"), member_who(request, ws))
    except SolidarityError as exc:
        return await admins_page(request, str(exc), 400)
    return RedirectResponse(f"{ADMIN}/admins?done=removed", status_code=303)
