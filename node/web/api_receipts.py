"""Delivery receipts of an organisation's own strategy or call: GET …/{key}/deliveries (per
inbox state, counts, who amplified it; paged with `limit` and `after`), and POST
…/{key}/deliveries/redeliver (failed and waiting deliveries due now; `inbox` for one)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.screening import parse_json_object
from node.activitypub.vocabulary import iso
from node.errors import InvalidInput
from node.solidarity import receipts
from node.storage.cascade import Entry
from node.storage.receipts import Receipt
from node.web import auth
from node.web.api import MAX_JSON
from node.web.api_admin import query_int, when
from node.web.app_state import runtime
from node.web.inbox_endpoint import read_body
from node.web.json_responses import json_response


def path_of(request: Request) -> str:
    return request.url.path.split("/")[3]  # /api/v1/{calls|strategies}/…


def receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {
        "id": receipt.id,
        "activity": receipt.activity_iri,
        "inbox": receipt.inbox_url,
        "host": receipt.host,
        "state": receipt.state,
        "attempts": receipt.attempts,
        "delivered_at": when(receipt.delivered_at),
        "next_attempt_at": when(receipt.next_attempt_at),
        "last_status": receipt.last_status,
        "error": receipt.error,
        "unavailable_since": when(receipt.unavailable_since),
    }


def amplifier_json(entry: Entry) -> dict[str, Any]:
    return {
        "actor": entry.actor_iri,
        "activity": entry.activity_iri,
        "via": entry.via_iri,
        "hop": entry.hop,
        "at": iso(entry.at),
    }


async def list_deliveries(request: Request) -> Response:
    org = await auth.organisation(request)
    found = await receipts.of_publication(
        runtime(request),
        org,
        path_of(request),
        request.path_params["key"],
        limit=query_int(request, "limit"),
        after=query_int(request, "after"),
    )
    return json_response(
        {
            "object": found.object_iri,
            "activities": [
                {"id": a.iri, "type": a.type, "published": iso(a.published)}
                for a in found.activities
            ],
            "counts": found.counts,
            "deliveries": [receipt_json(r) for r in found.deliveries],
            "next": found.next,
            "amplified_by": [amplifier_json(e) for e in found.amplified_by],
        }
    )


async def redeliver(request: Request) -> Response:
    org = await auth.organisation(request)
    raw = await read_body(request, MAX_JSON)
    body = parse_json_object(raw, "with the fields") if raw.strip() else {}
    inbox = body.get("inbox")
    if inbox is not None and not isinstance(inbox, str):
        raise InvalidInput("'inbox' must be an inbox URL")
    count = await receipts.redeliver(
        runtime(request),
        org,
        path_of(request),
        request.path_params["key"],
        auth.who(request, org),
        inbox,
    )
    return json_response({"redelivering": count}, status=202)
