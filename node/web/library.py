"""The library: the node's public strategies and calls, searched in full text and filtered by
kind, theme, region and language, a page at a time (the cursor goes in the next link). Only
this node's own publications are listed (search.listed), so no silenced domain's actor is
ever in it. Under lockdown (reduced_pages) it shows only the node's name."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from node.solidarity import public_reading
from node.storage.search import Filters
from node.web import pages, rendering
from node.web.app_state import runtime

FILTERS = ("q", "kind", "theme", "region", "language")
MAX_QUERY = 200


async def library(request: Request) -> Response:
    node = runtime(request)
    if await pages.reduced(node):
        return pages.reduced_page(request, node.settings.node_name)
    params = request.query_params
    given = {name: params.get(name, "").strip()[:MAX_QUERY] for name in FILTERS}
    filters = Filters(
        kind=given["kind"] or None,
        themes=(given["theme"],) if given["theme"] else (),
        regions=(given["region"],) if given["region"] else (),
        language=given["language"] or None,
    )
    found = await public_reading.library(node, given["q"], filters, params.get("cursor") or None)
    more = None
    if found.next:
        more = "/library?" + urlencode(
            {k: v for k, v in given.items() if v} | {"cursor": found.next}
        )
    context = {"given": given, "items": found.items, "more": more}
    return await rendering.page(request, "library.html", context)
