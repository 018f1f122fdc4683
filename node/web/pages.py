"""HTML pages for people: the node's home (organisations and their open calls), organisation
profiles (with the follow box and feeds), the interaction page, and error pages.

With the policy's reduced_pages (lockdown), public pages show only a name: the node's on the
home page and the library, the organisation's on its profile and publications.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.activitypub.render_actors import summary_html
from node.federation import profiles
from node.federation.runtime import Runtime
from node.solidarity import membership, public_reading
from node.storage.actors import LocalActor
from node.web import rendering, sessions
from node.web.app_state import runtime

TAG_RE = re.compile(r"<[^>]+>")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return rendering.page_now(request, name, context, status)


def error_page(request: Request, status: int, heading: str, message: str) -> Response:
    context = {"status": status, "heading": heading, "message": message}
    return render(request, "error.html", context, status=status)


def org_context(request: Request, actor: LocalActor, counts: tuple[int, int]) -> dict[str, Any]:
    urls = runtime(request).urls
    summary = summary_html(actor.summary)
    return {
        "name": actor.username,
        "display_name": actor.display_name or actor.username,
        "handle": "@" + urls.acct(actor.username).removeprefix("acct:"),
        "actor": urls.actor(actor.username),
        "profile": urls.profile(actor.username),
        "icon": actor.icon_url or urls.base + profiles.DEFAULT_ICON_PATH,
        "summary_html": summary,
        "summary_text": html.unescape(TAG_RE.sub(" ", summary)).strip(),
        "fields": actor.fields,
        "followers": counts[0],
        "following": counts[1],
    }


async def reduced(node: Runtime) -> bool:
    """Whether the policy reduces public pages to names (lockdown)."""
    return (await node.policy.current()).settings.reduced_pages


def reduced_page(request: Request, name: str, status: int = 200) -> Response:
    """A page that says only whose it is: what lockdown leaves of profiles and publications."""
    response = render(request, "reduced.html", {"name": name}, status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def home(request: Request) -> Response:
    node = runtime(request)
    if await reduced(node):
        return reduced_page(request, node.settings.node_name)
    found = await public_reading.home(node)
    organisations = [
        {"org": org_context(request, entry.org, (0, 0)), "calls": entry.calls} for entry in found
    ]
    return await rendering.page(request, "home.html", {"organisations": organisations})


async def profile_page(
    request: Request, name: str, follow: dict[str, str] | None = None, status: int = 200
) -> Response:
    """The profile; `follow` carries what the follow box was given and what went wrong."""
    node = runtime(request)
    try:
        actor = await profiles.organisation(node, name)
    except profiles.Deleted:
        return error_page(request, 410, "Gone", f"The organisation {name} left this node.")
    if await reduced(node):
        return reduced_page(request, actor.display_name or actor.username)
    counts = await profiles.follow_counts(node, actor)
    listed = await profiles.publications(node, actor)
    context = {
        "org": org_context(request, actor, counts),
        "publications": listed,
        "open_calls": await public_reading.open_calls(node, actor),
        "follow": follow or {},
    }
    return await rendering.page(request, "profile.html", context, status)


async def profile(request: Request) -> Response:
    return await profile_page(request, request.path_params["name"])


async def interact(request: Request) -> Response:
    """Where a fediverse server sends a member to act on `uri`: their workspace's follow form."""
    uri = request.query_params.get("uri", "")
    found = await sessions.current(request)
    if uri and found is not None:
        org = await membership.organisation_of(runtime(request), found[0].member)
        target = urlencode({"target": uri})
        return RedirectResponse(f"/workspace/{org.username}/follows?{target}", status_code=303)
    return await rendering.page(request, "interact.html", {"uri": uri})
