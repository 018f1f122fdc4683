"""ActivityPub GET endpoints: organisation actors, the instance actor, their collections.

Actor URLs negotiate: AS2 JSON for ActivityPub clients, the profile page for browsers. An
organisation answers at its id (/users/NAME, or /orgs/NAME where that was published); the other
shape redirects there, for pages and AS2 alike, and so does /@NAME for AS2 clients.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import NotFound
from node.federation import profiles
from node.web import pages
from node.web.app_state import runtime
from node.web.json_responses import activity_json
from node.web.negotiation import wants_activity_json


def to_canonical(request: Request, suffix: str = "") -> Response | None:
    """A redirect to the organisation's own actor path when the request used another shape."""
    canonical = runtime(request).urls.actor(request.path_params["name"]) + suffix
    if urlsplit(canonical).path == request.url.path:
        return None
    query = request.url.query
    target = f"{canonical}?{query}" if query else canonical
    return RedirectResponse(target, status_code=301, headers={"Vary": "Accept"})


async def profile(request: Request) -> Response:
    """/@NAME: the profile page, or for AS2 clients a redirect to the actor."""
    if wants_activity_json(request.headers.get("accept")):
        canonical = runtime(request).urls.actor(request.path_params["name"])
        return RedirectResponse(canonical, status_code=301, headers={"Vary": "Accept"})
    return await pages.profile(request)


async def organisation_actor(request: Request) -> Response:
    name = request.path_params["name"]
    moved = to_canonical(request)
    if moved is not None:
        return moved
    if not wants_activity_json(request.headers.get("accept")):
        return await pages.profile(request)
    node = runtime(request)
    try:
        document = await profiles.actor_document(node, name)
    except profiles.Deleted as gone:
        return activity_json(gone.tombstone, status=410)
    return activity_json(document)


async def instance_actor(request: Request) -> Response:
    node = runtime(request)
    return activity_json(await profiles.instance_actor_document(node))


async def collection(request: Request) -> Response:
    name = request.path_params["name"]
    which = request.path_params["collection"]
    if which not in profiles.COLLECTIONS:
        raise NotFound(f"no such collection: {which}")
    moved = to_canonical(request, f"/{which}")
    if moved is not None:
        return moved
    page = profiles.parse_page(request.query_params.get("page"))
    node = runtime(request)
    try:
        document = await profiles.collection_document(node, name, which, page)
    except profiles.Deleted as gone:
        return activity_json(gone.tombstone, status=410)
    return activity_json(document)


async def instance_outbox(request: Request) -> Response:
    page = profiles.parse_page(request.query_params.get("page"))
    return activity_json(await profiles.instance_outbox(runtime(request), page))
