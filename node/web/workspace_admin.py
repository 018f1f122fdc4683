"""The workspace's own affairs: notifications (with their unread count and a private Atom feed
per member), API tokens (owners: create, shown once; list; revoke) and members (owners: add,
with the one-time link shown once; remove). Owners' changes are audited with who made them."""

from __future__ import annotations

import hmac
from html import escape

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.activitypub.vocabulary import iso
from node.errors import NotFound, SolidarityError
from node.solidarity import access_tokens, membership, notifications
from node.storage.members import ROLES, Member
from node.web import forms, rendering
from node.web.app_state import runtime
from node.web.feeds import ATOM, atom
from node.web.sessions import Workspace, member_who, members_only
from node.web.web_keys import WebState, web_state

FEED = "notifications-feed"


def feed_secret(web: WebState, member: Member) -> str:
    return web.mac(FEED, f"{member.id}:{member.feed_generation}")[:40]


def feed_path(web: WebState, member: Member) -> str:
    return f"/workspace/feeds/{member.id}/{feed_secret(web, member)}.atom"


@members_only()
async def show_notifications(request: Request, ws: Workspace) -> Response:
    node = runtime(request)
    web = await web_state(request)
    context = {
        "notifications": await notifications.of(node, ws.org, ws.member),
        "feed": node.urls.base + feed_path(web, ws.member),
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_notifications.html", context)


@members_only()
async def mark_seen(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    await membership.mark_notifications_seen(runtime(request), ws.member)
    return RedirectResponse(f"{ws.path}/notifications?done=seen", status_code=303)


@members_only()
async def renew_feed(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    await membership.renew_feed(runtime(request), ws.member)
    return RedirectResponse(f"{ws.path}/notifications?done=feed", status_code=303)


async def notifications_feed(request: Request) -> Response:
    """A member's notifications as Atom, for a feed reader (no cookie: the address is the key)."""
    node = runtime(request)
    web = await web_state(request)
    member_id, secret = request.path_params["member"], request.path_params["secret"]
    member = await membership.get(node, member_id)
    if member is None or not hmac.compare_digest(feed_secret(web, member), secret):
        raise NotFound("no such feed")
    org = await membership.organisation_of(node, member)
    found = await notifications.of(node, org, member)
    entries = [
        "<entry>"
        f"<id>{escape(n.link)}#{n.kind}-{iso(n.at)}-{escape(n.subject)}</id>"
        f"<title>{escape(n.kind.replace('_', ' '))}: {escape(n.subject)}</title>"
        f'<link rel="alternate" href="{escape(n.link)}"/>'
        f"<updated>{iso(n.at)}</updated>"
        f"<summary>{escape(n.about)}</summary>"
        "</entry>"
        for n in found
    ]
    here = node.urls.base + request.url.path
    updated = max((n.at for n in found), default=node.clock.now())
    title = f"{org.display_name or org.username}: notifications"
    body = atom(
        here, title, node.urls.workspace(f"/{org.username}/notifications"), updated, entries
    )
    return Response(body, media_type=ATOM, headers={"Cache-Control": "private"})


async def tokens_page(
    request: Request, ws: Workspace, created: str = "", error: str = "", status: int = 200
) -> Response:
    context = {
        "tokens": await access_tokens.of(runtime(request), ws.org),
        "created": created,
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_tokens.html", context, status)


@members_only(owner=True)
async def show_tokens(request: Request, ws: Workspace) -> Response:
    return await tokens_page(request, ws)


@members_only(owner=True)
async def create_token(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    token = await access_tokens.create(
        runtime(request), ws.org, form.text("label"), member_who(request, ws)
    )
    return await tokens_page(request, ws, created=token)


@members_only(owner=True)
async def revoke_token(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    who = member_who(request, ws)
    await access_tokens.revoke(runtime(request), ws.org, request.path_params["id"], who)
    return RedirectResponse(f"{ws.path}/tokens?done=revoked", status_code=303)


async def members_page(
    request: Request, ws: Workspace, link: str = "", error: str = "", status: int = 200
) -> Response:
    context = {
        "members": await membership.of(runtime(request), ws.org),
        "roles": ROLES,
        "link": link,
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_members.html", context, status)


@members_only(owner=True)
async def show_members(request: Request, ws: Workspace) -> Response:
    return await members_page(request, ws)


@members_only(owner=True)
async def add_member(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    try:
        made = await membership.add_by_owner(
            runtime(request),
            ws.member,
            form.text("email"),
            form.text("role"),
            member_who(request, ws),
        )
    except SolidarityError as exc:
        return await members_page(request, ws, error=str(exc), status=400)
    return await members_page(request, ws, link=made.link)


@members_only(owner=True)
async def remove_member(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    try:
        await membership.remove_by_owner(
            runtime(request), ws.member, request.path_params["id"], member_who(request, ws)
        )
    except SolidarityError as exc:
        return await members_page(request, ws, error=str(exc), status=400)
    return RedirectResponse(f"{ws.path}/members?done=removed", status_code=303)
