"""The inbox ceiling: a bare uvicorn + Starlette app that verifies one RSA signature per POST
(the node's own verify_signature, key already in memory) and answers 202, storing nothing.

Run as `python -m bench.ceiling PORT KEYS.json WORKERS`, KEYS.json mapping key ids to public
PEMs; with several workers uvicorn imports app_from_environment in each process.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.activitypub.keys import load_public_key
from node.activitypub.signatures import parse_signature, verify_signature
from node.errors import SignatureError


def make_app(pems: dict[str, str]) -> Starlette:
    keys = {key_id: load_public_key(pem) for key_id, pem in pems.items()}

    async def inbox(request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        try:
            parsed = parse_signature("POST", request.url.path, headers)
            verify_signature(
                parsed,
                keys[parsed.key_id],
                method="POST",
                path_and_query=request.url.path,
                headers=headers,
                body=body,
                now=datetime.now(UTC),
            )
        except (SignatureError, KeyError):
            return Response(status_code=401)
        return Response(status_code=202)

    return Starlette(routes=[Route("/inbox", inbox, methods=["POST"])])


def app_from_environment() -> Starlette:
    return make_app(json.loads(Path(os.environ["BENCH_CEILING_KEYS"]).read_text()))


def main() -> None:
    port, keys_file, workers = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    os.environ["BENCH_CEILING_KEYS"] = keys_file
    # the same uvicorn defaults as `solidarity-node serve` (access log at info, no server header)
    options = {"host": "127.0.0.1", "port": port, "log_level": "info", "server_header": False}
    if workers == 1:
        uvicorn.run(app_from_environment(), **options)  # type: ignore[arg-type]
    else:
        factory = "bench.ceiling:app_from_environment"
        uvicorn.run(factory, factory=True, workers=workers, **options)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
