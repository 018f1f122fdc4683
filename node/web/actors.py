"""ActivityPub GET endpoints: organisation actors, the instance actor, their collections.

Actor URLs negotiate: AS2 JSON for ActivityPub clients, the profile page for browsers. AS2
requests pass the federation policy's rules for fetches (federation.fetch_rules); the instance
actor is served to anyone, unsigned, since others verify our signatures with its key.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from node.errors import NotFound
from node.federation import fetch_rules, profiles
from node.web import pages
from node.web.app_state import runtime
from node.web.json_responses import activity_json
from node.web.negotiation import wants_activity_json
from node.web.publications import incoming


async def organisation_actor(request: Request) -> Response:
    name = request.path_params["name"]
    if not wants_activity_json(request.headers.get("accept")):
        return await pages.profile(request)
    node = runtime(request)
    await fetch_rules.screen_fetch(node, incoming(request))
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
    page = profiles.parse_page(request.query_params.get("page"))
    node = runtime(request)
    await fetch_rules.screen_fetch(node, incoming(request))
    try:
        document = await profiles.collection_document(node, name, which, page)
    except profiles.Deleted as gone:
        return activity_json(gone.tombstone, status=410)
    return activity_json(document)


async def instance_outbox(request: Request) -> Response:
    page = profiles.parse_page(request.query_params.get("page"))
    node = runtime(request)
    await fetch_rules.screen_fetch(node, incoming(request))
    return activity_json(await profiles.instance_outbox(node, page))
