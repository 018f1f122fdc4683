"""Strategies and calls at their own URLs: AS2 for ActivityPub clients (authorized fetch for
non-public ones), the HTML page for people; and their replies/likes/shares collections."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.screening import Incoming
from node.errors import NotFound
from node.federation import fetch_rules, serving
from node.federation.serving import Withdrawn
from node.publication import Kind
from node.solidarity import attachments, organisations, public_reading
from node.storage.objects import StoredObject
from node.web import cascade_svg, i18n, pages, rendering
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


async def page(request: Request, stored: StoredObject) -> Response:
    node = runtime(request)
    name = node.urls.actor_name(stored.actor_iri) or ""
    author = await organisations.get(node.db, name)
    if await pages.reduced(node):
        return pages.reduced_page(request, author.display_name or name)
    stored = await public_reading.with_labels(node, stored)
    counted = await serving.counts(node, stored.iri)
    replies, pledges = await public_reading.responses(node, stored)
    fields = stored.fields
    pub = {
        "iri": stored.iri,
        "content_html": rendered_body(stored),
        "author_name": author.display_name or name,
        "author_handle": "@" + node.urls.acct(name).removeprefix("acct:"),
        "author_profile": node.urls.profile(name),
        "author_feed": node.urls.profile(name) + "/feed.atom",
        "author_calendar": node.urls.profile(name) + "/calls.ics",
        "expired": fields.is_expired(node.clock.now()),
        "published": stored.published,
        "updated": stored.updated_at,
        "replies": len(counted.replies),
        "likes": counted.likes,
        "shares": counted.shares,
    }
    labels = await public_reading.actor_labels(node, {r.actor_iri for r in replies + pledges})
    context: dict[str, Any] = {
        "pub": pub,
        "fields": fields,
        "answers": [answer(r, labels) for r in replies],
        "pledges": [answer(r, labels) for r in pledges],
        "versions": [],
        "cascade": None,
        "attachments": await attachments.of_publication(node, stored),
    }
    if stored.kind is Kind.STRATEGY:
        context["versions"] = await public_reading.versions(node, stored)
    else:
        context["cascade"] = await cascade_drawing(request, stored)
    return await rendering.page(request, "publication.html", context)


def answer(stored: StoredObject, labels: dict[str, str]) -> dict[str, Any]:
    content = stored.document.get("content")
    return {
        "iri": stored.iri,
        "author": labels.get(stored.actor_iri, stored.actor_iri),
        "author_iri": stored.actor_iri,
        "content_html": content if isinstance(content, str) else "",
        "language": stored.fields.language,
        "published": stored.published,
    }


async def cascade_drawing(request: Request, call: StoredObject) -> dict[str, Any] | None:
    """The SVG of the call's cascade and its steps as rows, when it has travelled at all."""
    return await drawing(request, await public_reading.cascade_tree(runtime(request), call))


async def drawing(request: Request, tree: dict[str, Any]) -> dict[str, Any] | None:
    """A cascade tree as SVG and rows (with each step's reach, when known)."""
    ordered = cascade_svg.steps(tree)
    if len(ordered) < 2:
        return None
    names = await public_reading.actor_labels(runtime(request), {s.actor for s in ordered})
    reach = {str(n["id"]): n.get("reach") for n in tree.get("nodes", [])}
    code = i18n.choose(request).code

    def duration(seconds: float) -> str:
        return i18n.duration(seconds, code)

    return {
        "svg": cascade_svg.draw(ordered, names, duration),
        "steps": [
            {
                "name": names.get(s.actor, s.actor),
                "hop": s.hop,
                "after": duration(s.seconds),
                "reach": reach.get(s.id),
            }
            for s in ordered
        ],
    }


def rendered_body(stored: StoredObject) -> str:
    """The author's text as HTML (a call's document content also repeats the facts)."""
    source = stored.source or {}
    body = source.get("content_html")
    if isinstance(body, str):
        return body
    content = stored.document.get("content", "")
    return content if isinstance(content, str) else ""
