"""The follow box of a profile: a visitor types `name@their.server`; the node finds that
server's subscribe template (node.federation.remote_follow) and redirects them there.

Bounded: a few tries per visitor address a minute, a few lookups at once per process; what
goes wrong is said on the profile page again, with what the visitor typed. Under lockdown
(reduced_pages) the box is gone: a post gets the reduced page (403) and nothing is looked up.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import FetchError, Gone, InvalidInput, WebFingerError
from node.federation import profiles, remote_follow
from node.web import forms, pages
from node.web.app_state import runtime
from node.web.web_keys import web_state

MAX_ACCOUNT = 300


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def follow(request: Request) -> Response:
    form = await forms.read(request)
    node = runtime(request)
    name = request.path_params["name"]
    actor = await profiles.organisation(node, name)
    if await pages.reduced(node):
        return pages.reduced_page(request, actor.display_name or actor.username, 403)
    account = form.text("account")[:MAX_ACCOUNT]
    limits = (await web_state(request)).limits
    if not limits.follow_box.allow(client_address(request)) or limits.lookups.locked():
        return await pages.profile_page(request, name, {"account": account, "error": "busy"}, 429)
    handle = f"{name}@{node.urls.host}"
    try:
        async with limits.lookups:
            url = await remote_follow.follow_url(node, account.removeprefix("@"), handle)
    except InvalidInput:
        return await pages.profile_page(request, name, {"account": account, "error": "handle"}, 400)
    except (WebFingerError, FetchError, Gone):
        return await pages.profile_page(request, name, {"account": account, "error": "server"}, 502)
    return RedirectResponse(url, status_code=303)
