"""Strategies and calls at their own URLs: AS2 for ActivityPub clients (authorized fetch for
non-public ones), the HTML page for people; and their replies/likes/shares collections."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.screening import Incoming
from node.errors import NotFound
from node.federation import fetch_rules, serving
from node.federation.serving import Withdrawn
from node.solidarity import organisations
from node.storage.objects import StoredObject
from node.web import pages
from node.web.app_state import runtime
from node.web.json_responses import activity_json
from node.web.negotiation import wants_activity_json

COLLECTIONS = ("replies", "likes", "shares")


def incoming(request: Request) -> Incoming:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Incoming(request.method, path, dict(request.headers), b"")


def path_kind(request: Request) -> str:
    return request.url.path.split("/", 2)[1]


def private(response: Response) -> Response:
    """Answers that depend on who signed must not be cached for others."""
    response.headers["Vary"] = "Accept, Signature"
    response.headers["Cache-Control"] = "private"
    return response


async def publication(request: Request) -> Response:
    node = runtime(request)
    as2 = wants_activity_json(request.headers.get("accept"))
    if as2:
        await fetch_rules.screen_fetch(node, incoming(request))
    try:
        stored = await serving.find(node, path_kind(request), request.path_params["key"])
    except Withdrawn as gone:
        if as2:
            return activity_json(gone.tombstone, status=410)
        return pages.error_page(request, 410, "Gone", "This publication was withdrawn.")
    if not as2:
        if not stored.fields.is_listed:
            raise NotFound("no such publication here")
        return await page(request, stored)
    visible = await serving.visible(node, stored, incoming(request))
    response = activity_json(await serving.document(node, visible))
    return response if visible.fields.is_listed else private(response)


async def collection(request: Request) -> Response:
    node = runtime(request)
    which = request.path_params["collection"]
    if which not in COLLECTIONS:
        raise NotFound(f"no such collection: {which}")
    await fetch_rules.screen_fetch(node, incoming(request))
    try:
        stored = await serving.find(node, path_kind(request), request.path_params["key"])
    except Withdrawn as gone:
        return activity_json(gone.tombstone, status=410)
    visible = await serving.visible(node, stored, incoming(request))
    paged = request.query_params.get("page") is not None
    return activity_json(await serving.collection(node, visible, which, paged))


def when(moment: datetime | None) -> str:
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC" if moment else ""


async def page(request: Request, stored: StoredObject) -> Response:
    node = runtime(request)
    name = node.urls.actor_name(stored.actor_iri) or ""
    author = await organisations.get(node.db, name)
    if await pages.reduced(node):
        return pages.reduced_page(request, author.display_name or name)
    counted = await serving.counts(node, stored.iri)
    fields = stored.fields
    pub = {
        "iri": stored.iri,
        "content_html": rendered_body(stored),
        "author_name": author.display_name or name,
        "author_handle": "@" + node.urls.acct(name).removeprefix("acct:"),
        "author_profile": node.urls.profile(name),
        "deadline": when(fields.deadline),
        "deadline_iso": fields.deadline.isoformat() if fields.deadline else "",
        "expired": fields.is_expired(node.clock.now()),
        "published": when(stored.published),
        "published_iso": stored.published.isoformat(),
        "updated": when(stored.updated_at),
        "replies": len(counted.replies),
        "likes": counted.likes,
        "shares": counted.shares,
    }
    return pages.render(request, "publication.html", {"pub": pub, "fields": fields})


def rendered_body(stored: StoredObject) -> str:
    """The author's text as HTML (a call's document content also repeats the facts)."""
    source = stored.source or {}
    body = source.get("content_html")
    if isinstance(body, str):
        return body
    content = stored.document.get("content", "")
    return content if isinstance(content, str) else ""
