"""HTML pages for people: the node's home, organisation profiles, the interaction page.

With the policy's reduced_pages (lockdown), public pages show only a name: the node's on the
home page, the organisation's on its profile and publications.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from node import __version__
from node.activitypub.render_actors import summary_html
from node.federation import profiles
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage.actors import LocalActor
from node.web.app_state import runtime

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

TEMPLATES = Path(__file__).parent / "templates"
TAG_RE = re.compile(r"<[^>]+>")


def templates(request: Request) -> Jinja2Templates:
    """The app's templates, made at the first page: Jinja2 is not loaded until a page is shown."""
    from starlette.templating import Jinja2Templates

    found = getattr(request.app.state, "templates", None)
    if found is None:
        found = request.app.state.templates = Jinja2Templates(directory=str(TEMPLATES))
    assert isinstance(found, Jinja2Templates)
    return found


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    node = runtime(request)
    common = {
        "node_name": node.settings.node_name,
        "node_description": node.settings.node_description,
        "base_url": node.urls.base,
        "version": __version__,
    }
    return templates(request).TemplateResponse(
        request, name, common | context, status_code=status, headers={"Vary": "Accept"}
    )


def error_page(request: Request, status: int, heading: str, message: str) -> Response:
    context = {"status": status, "heading": heading, "message": message}
    return render(request, "error.html", context, status=status)


def org_context(request: Request, actor: LocalActor, counts: tuple[int, int]) -> dict[str, Any]:
    urls = runtime(request).urls
    summary = summary_html(actor.summary)
    return {
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


def reduced_page(request: Request, name: str) -> Response:
    """A page that says only whose it is: what lockdown leaves of profiles and publications."""
    response = render(request, "reduced.html", {"name": name})
    response.headers["Cache-Control"] = "no-store"
    return response


async def home(request: Request) -> Response:
    node = runtime(request)
    if await reduced(node):
        return reduced_page(request, node.settings.node_name)
    orgs = await organisations.list_all(node.db)
    return render(
        request, "home.html", {"organisations": [org_context(request, o, (0, 0)) for o in orgs]}
    )


async def profile(request: Request) -> Response:
    node = runtime(request)
    name = request.path_params["name"]
    try:
        actor = await profiles.organisation(node, name)
    except profiles.Deleted:
        return error_page(request, 410, "Gone", f"The organisation {name} left this node.")
    if await reduced(node):
        return reduced_page(request, actor.display_name or actor.username)
    counts = await profiles.follow_counts(node, actor)
    listed = await profiles.publications(node, actor)
    now = node.clock.now()
    items = [
        {
            "url": p.iri,
            "fields": p.fields,
            "deadline": p.fields.deadline.strftime("%d %b %Y") if p.fields.deadline else None,
            "expired": p.fields.is_expired(now),
            "pinned": p.pinned_at is not None,
        }
        for p in listed
    ]
    context = {"org": org_context(request, actor, counts), "publications": items}
    return render(request, "profile.html", context)


async def interact(request: Request) -> Response:
    return render(request, "interact.html", {"uri": request.query_params.get("uri", "")})
