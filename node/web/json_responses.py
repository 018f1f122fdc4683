"""Response shapes the node answers with: AS2 JSON, JRD, JSON errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from node.activitypub.vocabulary import AS2_MEDIA_TYPE, JRD_MEDIA_TYPE


def dumps(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def activity_json(document: dict[str, Any], status: int = 200) -> Response:
    return Response(
        dumps(document),
        status_code=status,
        media_type=AS2_MEDIA_TYPE,
        headers={"Vary": "Accept", "Access-Control-Allow-Origin": "*"},
    )


def jrd(document: dict[str, Any]) -> Response:
    return Response(
        dumps(document), media_type=JRD_MEDIA_TYPE, headers={"Access-Control-Allow-Origin": "*"}
    )


def json_response(
    document: Any, status: int = 200, media_type: str = "application/json"
) -> Response:
    return Response(dumps(document), status_code=status, media_type=media_type)


def json_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        dumps({"error": message}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )
