"""The admin area's federation pages (/workspace/admin, node admins only): the mode and the
switches, lockdown (one button, its state in the page's first heading), the allowlist with its
CSV, alliance subscriptions, and domain blocks with their Mastodon CSV.

Every change goes through the use case the admin API calls, with the signed-in member as the
audit log's `who`; what a use case refuses comes back on the page as a 400 with the reason.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import InvalidInput, NotFound, SolidarityError
from node.solidarity import federation_settings, moderation
from node.storage.domain_blocks import BlockFields
from node.storage.federation_policy import MODES, SEVERITIES
from node.web import forms, rendering
from node.web.api_admin import csv_response
from node.web.app_state import runtime
from node.web.sessions import Workspace, member_who, members_only

ADMIN = "/workspace/admin"
FLAGS = ("reject_media", "reject_reports", "obfuscate")


def done(page: str, what: str) -> Response:
    return RedirectResponse(f"{ADMIN}{page}?done={what}", status_code=303)


async def overview_page(
    request: Request, error: str = "", status: int = 200, imported: Any = None
) -> Response:
    seen = await federation_settings.overview(runtime(request))
    context = {
        "seen": seen,
        "comments": {entry.domain: entry.comment for entry in seen.local if entry.allowed},
        "modes": MODES,
        "switches": federation_settings.SWITCHES,
        "error": error,
        "imported": imported,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_admin.html", context, status)


@members_only(admin=True)
async def show_overview(request: Request, ws: Workspace) -> Response:
    return await overview_page(request)


@members_only(admin=True)
async def set_mode(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        await federation_settings.set_mode(
            runtime(request), form.text("mode"), member_who(request, ws)
        )
    except SolidarityError as exc:
        return await overview_page(request, str(exc), 400)
    return done("", "mode")


@members_only(admin=True)
async def set_switches(request: Request, ws: Workspace) -> Response:
    """The switches' checkboxes as sent (a box left unticked is off); only changes are stored."""
    form = await forms.read(request)
    node = runtime(request)
    current = (await federation_settings.overview(node)).settings.as_dict()
    try:
        for name in federation_settings.SWITCHES:
            wanted = form.get(name) == "on"
            if current[name] != wanted:
                await federation_settings.set_switch(node, name, wanted, member_who(request, ws))
    except SolidarityError as exc:
        return await overview_page(request, str(exc), 400)
    return done("", "switches")


@members_only(admin=True)
async def set_lockdown(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    on = {"on": True, "off": False}.get(form.text("lockdown"))
    if on is None:
        raise InvalidInput("lockdown is 'on' or 'off'")
    await federation_settings.lockdown(runtime(request), on, member_who(request, ws))
    return done("", "lockdown-on" if on else "lockdown-off")


@members_only(admin=True)
async def allow(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        await federation_settings.allow(
            runtime(request), form.text("domain"), member_who(request, ws), form.text("comment")
        )
    except SolidarityError as exc:
        return await overview_page(request, str(exc), 400)
    return done("", "allowed")


@members_only(admin=True)
async def disallow(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        await federation_settings.disallow(
            runtime(request), form.text("domain"), member_who(request, ws)
        )
    except SolidarityError as exc:
        return await overview_page(request, str(exc), 400)
    return done("", "disallowed")


@members_only(admin=True)
async def import_allows(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        names, problems = await federation_settings.import_allows(
            runtime(request), form.get("csv"), member_who(request, ws)
        )
    except SolidarityError as exc:
        return await overview_page(request, str(exc), 400)
    return await overview_page(request, imported={"added": names, "problems": problems})


@members_only(admin=True)
async def export_allows(request: Request, ws: Workspace) -> Response:
    text = await federation_settings.export_allows(runtime(request))
    return csv_response(text, "domain_allows.csv")


@members_only(admin=True)
async def subscribe(request: Request, ws: Workspace) -> Response:
    """Subscribing fetches and verifies the manifest now: a bad one is refused on the page."""
    form = await forms.read(request)
    try:
        await federation_settings.subscribe(
            runtime(request), form.text("url"), member_who(request, ws)
        )
    except SolidarityError as exc:
        return await overview_page(request, str(exc), 400)
    return done("", "subscribed")


@members_only(admin=True)
async def unsubscribe(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    node = runtime(request)
    wanted = request.path_params["id"]
    found = next(
        (a for a in (await federation_settings.overview(node)).alliances if a.id == wanted), None
    )
    if found is None:
        raise NotFound(f"no alliance subscription {wanted}")
    await federation_settings.unsubscribe(node, found.url, member_who(request, ws))
    return done("", "unsubscribed")


# --- domain blocks ------------------------------------------------------------------------


async def blocks_page(
    request: Request, error: str = "", status: int = 200, imported: Any = None
) -> Response:
    context = {
        "blocks": await moderation.listed(runtime(request)),
        "severities": SEVERITIES,
        "error": error,
        "imported": imported,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_admin_blocks.html", context, status)


@members_only(admin=True)
async def show_blocks(request: Request, ws: Workspace) -> Response:
    return await blocks_page(request)


@members_only(admin=True)
async def add_block(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        fields = BlockFields(
            severity=form.text("severity") or "suspend",
            public_comment=form.text("public_comment"),
            private_comment=form.text("private_comment"),
            **{name: form.get(name) == "on" for name in FLAGS},
        )
        await moderation.put_block(
            runtime(request), form.text("domain"), fields, member_who(request, ws)
        )
    except SolidarityError as exc:
        return await blocks_page(request, str(exc), 400)
    return done("/blocks", "blocked")


@members_only(admin=True)
async def remove_block(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    domain = form.text("domain")
    if not await moderation.unblock_domain(runtime(request), domain, member_who(request, ws)):
        return await blocks_page(request, f"{domain} is not blocked", 400)
    return done("/blocks", "unblocked")


@members_only(admin=True)
async def import_blocks(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        made = await moderation.import_blocks(
            runtime(request), form.get("csv"), member_who(request, ws)
        )
    except SolidarityError as exc:
        return await blocks_page(request, str(exc), 400)
    imported = {"added": made.added, "kept": made.kept, "problems": made.problems}
    return await blocks_page(request, imported=imported)


@members_only(admin=True)
async def export_blocks(request: Request, ws: Workspace) -> Response:
    return csv_response(await moderation.export_blocks(runtime(request)), "domain_blocks.csv")
