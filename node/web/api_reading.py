"""The reading side of the JSON API: GET /api/v1/timeline and GET /api/v1/search?q=.

Both take the filters kind, urgency (repeatable or comma-separated), region and theme
(repeatable: any of them), language (a prefix: 'pt' finds 'pt-BR'), and limit (1-100, 20) and
cursor for paging; both answer {"items": [...], "next": cursor or null}. Bad parameters are 400.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from node.errors import InvalidInput
from node.solidarity import timeline
from node.solidarity.timeline import Item, Items
from node.storage.search import DEFAULT_LIMIT, MAX_LIMIT, Filters
from node.web import auth
from node.web.api_media import attachment_json
from node.web.api_publishing import fields_json
from node.web.app_state import runtime
from node.web.json_responses import json_response


def single(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise InvalidInput(f"give '{name}' once")
    return values[0].strip() if values else None


def several(params: QueryParams, name: str, *, commas: bool = False) -> tuple[str, ...]:
    values = params.getlist(name)
    if commas:
        values = [part for value in values for part in value.split(",")]
    return tuple(dict.fromkeys(value.strip() for value in values if value.strip()))


def filters_from(params: QueryParams) -> Filters:
    return Filters(
        kind=single(params, "kind") or None,
        urgencies=several(params, "urgency", commas=True),
        regions=several(params, "region"),
        themes=several(params, "theme"),
        language=single(params, "language") or None,
    )


def limit_from(params: QueryParams) -> int:
    given = single(params, "limit")
    if given is None:
        return DEFAULT_LIMIT
    if not (given.isascii() and given.isdigit() and len(given) <= 3):
        raise InvalidInput(f"'limit' must be a whole number from 1 to {MAX_LIMIT}")
    return int(given)  # the range is checked with the query


def cursor_from(params: QueryParams) -> str | None:
    return single(params, "cursor") or None


def item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "url": item.url,
        "type": item.type,
        "author": item.author,
        **fields_json(item.fields),
        "kind": item.fields.kind or "",
        "expired": item.expired,
        "published": item.published.isoformat(),
        "media": [attachment_json(shown) for shown in item.attachments],
    }


def items_json(found: Items) -> dict[str, Any]:
    return {"items": [item_json(item) for item in found.items], "next": found.next}


async def list_timeline(request: Request) -> Response:
    org = await auth.organisation(request)
    params = request.query_params
    found = await timeline.timeline(
        runtime(request), org, filters_from(params), cursor_from(params), limit_from(params)
    )
    return json_response(items_json(found))


async def search_objects(request: Request) -> Response:
    org = await auth.organisation(request)
    params = request.query_params
    q = params.getlist("q")
    if len(q) != 1:
        raise InvalidInput("'q' is required, once: the words to search for")
    found = await timeline.search(
        runtime(request),
        org,
        q[0],
        filters_from(params),
        cursor_from(params),
        limit_from(params),
    )
    return json_response(items_json(found))
