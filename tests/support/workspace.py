"""Driving the web workspace over HTTP as a browser would, without one: forms with their CSRF
token read from the page, cookies kept by the client."""

from __future__ import annotations

import re
from typing import Any

import httpx

from node.federation.runtime import Runtime
from node.solidarity import membership

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


def csrf_of(page: httpx.Response) -> str:
    found = CSRF_RE.search(page.text)
    assert found, page.text[:2000]
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, path: str, fields: dict[str, Any], *, from_page: str | None = None
) -> httpx.Response:
    """GET the page the form is on (for its token), then POST the form from it."""
    page = await client.get(from_page or path, headers=HTML)
    return await client.post(path, data={"csrf": csrf_of(page), **fields}, headers=HTML)


async def signed_in_member(
    client: httpx.AsyncClient, node: Runtime, org: str, email: str, role: str = "owner"
) -> str:
    """A new member of `org` who used their link to set a password (the client holds the
    session cookie); returns the link's path."""
    made = await membership.add(node, org, email, role)
    path = made.link.removeprefix(node.urls.base)
    done = await post_form(client, path, {"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/workspace/{org}?done=welcome"
    return path
