"""The typed bridge from a request to the node's Runtime (kept in the app's state)."""

from __future__ import annotations

from starlette.requests import Request

from node.federation.runtime import Runtime


def runtime(request: Request) -> Runtime:
    found = request.app.state.runtime
    assert isinstance(found, Runtime)
    return found
