"""The typed bridge from a request to the node's Services."""

from __future__ import annotations

from starlette.requests import Request

from node.services import Services


def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found
