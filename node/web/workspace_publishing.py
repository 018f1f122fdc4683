"""The workspace's publishing pages: the dashboard (open calls with their responses and reach,
everything published), composing a call or strategy in Markdown with a preview, editing, pinning,
withdrawing, and the responses to each publication with its delivery receipts (and a redeliver
button). Every change goes through solidarity.publishing, so followers hear of it exactly as
through the API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from node.errors import InvalidInput, NotFound, PayloadTooLarge, SolidarityError
from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import (
    attachments,
    cascade,
    circles,
    overview,
    public_reading,
    publishing,
    receipts,
    responses,
    validation,
)
from node.solidarity.content import render_markdown
from node.storage.objects import StoredObject
from node.storage.uploads import StoredMedia
from node.web import forms, publications, rendering, workspace_media
from node.web.api_admin import query_int
from node.web.app_state import runtime
from node.web.i18n import LANGUAGES
from node.web.middleware import status_of
from node.web.sessions import Workspace, member_who, members_only

KINDS = {"call": Kind.CALL, "strategy": Kind.STRATEGY}
RECEIPT_PATHS = {Kind.CALL: "calls", Kind.STRATEGY: "strategies"}
RECEIPTS_PAGE = 50
SEPARATORS = re.compile(r"[,\n]")
NO_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
FORM_ONLY = {"csrf", "media_ids", "remove", "action"}


def kind_of(request: Request) -> Kind:
    kind = KINDS.get(request.path_params.get("kind") or request.query_params.get("kind", "call"))
    if kind is None:
        raise InvalidInput("kind must be call or strategy")
    return kind


@members_only()
async def dashboard(request: Request, ws: Workspace) -> Response:
    node = runtime(request)
    context = {
        "calls": await overview.open_calls(node, ws.org),
        "publications": await overview.publications(node, ws.org),
        "done": request.query_params.get("done", ""),
        "done_item": await done_item(node, ws, request),
    }
    return await rendering.page(request, "ws_dashboard.html", context)


async def done_item(node: Runtime, ws: Workspace, request: Request) -> StoredObject | None:
    """The publication just published or saved (its kind and IRI in the query; only one of
    this organisation's), for the notice's link to it."""
    kind = KINDS.get(request.query_params.get("kind", ""))
    iri = request.query_params.get("url", "")
    if kind is None or not iri:
        return None
    try:
        stored = await publishing.owned(node, ws.org, kind, iri.rsplit("/", 1)[-1])
    except NotFound:
        return None
    return stored if stored.iri == iri else None


def labels(text: str) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text) if part.strip()]


def body_from(form: forms.Form, kind: Kind, editing: bool) -> dict[str, Any]:
    """The API's body, from the compose form's fields."""
    body: dict[str, Any] = {
        "title": form.text("title"),
        "content": form.get("content"),
        "language": form.text("language") or "en",
        "themes": [t.lstrip("#") for t in labels(form.get("themes"))],
        "regions": labels(form.get("regions")),
    }
    if not editing:
        body["visibility"] = form.text("visibility") or "public"
        if circle := form.text("circle"):  # refused unless the visibility is "circle"
            body["circle"] = circle
    if kind is Kind.STRATEGY:
        return body | {"summary": form.text("summary")}
    deadline = form.text("deadline")
    hops = form.text("max_hops")
    return body | {
        "urgency": form.text("urgency") or "normal",
        "deadline": deadline + "Z" if NO_ZONE.match(deadline) else deadline,
        "actions": form.lines("actions"),
        "max_hops": int(hops) if hops.isdigit() and len(hops) < 4 else hops or 6,
    }


def values_from(source: dict[str, Any]) -> dict[str, str]:
    """The form's fields, from a stored publication's source (for editing)."""
    deadline = str(source.get("deadline") or "")[:16]
    return {
        "title": source.get("title") or "",
        "summary": source.get("summary") or "",
        "content": source.get("content") or "",
        "language": source.get("language") or "en",
        "themes": ", ".join(source.get("themes") or []),
        "regions": ", ".join(source.get("regions") or []),
        "actions": "\n".join(source.get("actions") or []),
        "urgency": source.get("urgency") or "normal",
        "deadline": deadline,
        "max_hops": str(source.get("max_hops") or 6),
        "visibility": source.get("visibility") or "public",
    }


async def compose_page(
    request: Request,
    kind: Kind,
    values: dict[str, str],
    *,
    key: str | None = None,
    preview: str | None = None,
    media: Sequence[StoredMedia] = (),
    error: str = "",
    status: int = 200,
) -> Response:
    limits = runtime(request).settings.media
    context = {
        "kind": kind.value,
        "key": key,
        "values": values,
        "preview": preview,
        "media": media,
        "media_room": len(media) < attachments.MAX_ATTACHMENTS,
        "media_megabytes": f"{max(limits.image_max_bytes, limits.document_max_bytes) / 2**20:.3g}",
        "description_chars": limits.description_chars,
        "error": error,
        "content_languages": list(LANGUAGES.values()),
        "circles": await circle_names(request),
    }
    return await rendering.page(request, "ws_compose.html", context, status)


async def circle_names(request: Request) -> list[str]:
    """The organisation's circles, for the compose form's circle choice."""
    ws: Workspace = request.state.workspace
    return [circle.name for circle in await circles.of(runtime(request), ws.org)]


@members_only()
async def compose(request: Request, ws: Workspace) -> Response:
    return await compose_page(request, kind_of(request), {"language": "en", "max_hops": "6"})


async def preview_of(request: Request, kind: Kind, body: dict[str, Any]) -> str:
    """The Markdown as it will read (mentions are linked only when published)."""
    node = runtime(request)
    draft = (
        validation.call(body, node.clock.now()) if kind is Kind.CALL else validation.strategy(body)
    )

    async def no_lookup(handle: str) -> str | None:
        return None

    return (await render_markdown(draft.content, no_lookup, node.urls)).html


@members_only()
async def submit(request: Request, ws: Workspace) -> Response:
    kind, node = kind_of(request), runtime(request)
    key = request.path_params.get("key")
    try:
        form, data = await workspace_media.read(request)
    except PayloadTooLarge as exc:  # the form is lost with it; say so on the page
        values = await stored_values(node, ws, kind, key)
        return await compose_page(request, kind, values, key=key, error=str(exc), status=413)
    values = {name: value for name, value in form.pairs if name not in FORM_ONLY}
    media: list[StoredMedia] = []
    try:
        media = await workspace_media.kept(node, ws.org, form)
        media = await workspace_media.described(node, ws.org, form, media)
        if data is not None:
            media.append(await workspace_media.added(node, ws.org, form, data, media))
            values.pop("description", None)
        action = form.get("action")
        if action == "upload" and data is not None:
            return await compose_page(request, kind, values, key=key, media=media)
        body = body_from(form, kind, editing=key is not None)
        body["media_ids"] = [item.key for item in media]
        if action in ("preview", "upload"):  # Enter in a field presses the first button
            html = await preview_of(request, kind, body)
            return await compose_page(request, kind, values, key=key, preview=html, media=media)
        stored, done = await published(node, ws, kind, key, body)
    except SolidarityError as exc:
        return await compose_page(
            request, kind, values, key=key, media=media, error=str(exc), status=status_of(exc)
        )
    where = f"done={done}&kind={kind.value}&url={stored.iri}"
    return RedirectResponse(f"{ws.path}?{where}", status_code=303)


async def published(
    node: Runtime, ws: Workspace, kind: Kind, key: str | None, body: dict[str, Any]
) -> tuple[StoredObject, str]:
    if key is None:
        now = node.clock.now()
        draft = validation.call(body, now) if kind is Kind.CALL else validation.strategy(body)
        return await publishing.publish(node, ws.org, draft), "published"
    return await publishing.revise(node, ws.org, kind, key, body), "revised"


async def stored_values(
    node: Runtime, ws: Workspace, kind: Kind, key: str | None
) -> dict[str, str]:
    if key is None:
        return {"language": "en", "max_hops": "6"}
    stored = await publishing.owned(node, ws.org, kind, key)
    return values_from(stored.source or {})


@members_only()
async def edit(request: Request, ws: Workspace) -> Response:
    kind, key, node = kind_of(request), request.path_params["key"], runtime(request)
    stored = await publishing.owned(node, ws.org, kind, key)
    source = stored.source or {}
    media = await workspace_media.of_source(node, ws.org, source)
    return await compose_page(request, kind, values_from(source), key=key, media=media)


@members_only()
async def pin(request: Request, ws: Workspace) -> Response:
    form = await forms.read(request)
    kind, key = kind_of(request), request.path_params["key"]
    await publishing.pin(runtime(request), ws.org, kind, key, form.get("pinned") == "1")
    return RedirectResponse(f"{ws.path}?done=pinned", status_code=303)


@members_only()
async def confirm_withdraw(request: Request, ws: Workspace) -> Response:
    kind, key = kind_of(request), request.path_params["key"]
    stored = await publishing.owned(runtime(request), ws.org, kind, key)
    return await rendering.page(request, "ws_withdraw.html", {"item": stored, "kind": kind.value})


@members_only()
async def withdraw(request: Request, ws: Workspace) -> Response:
    await forms.read(request)
    await publishing.withdraw(
        runtime(request), ws.org, kind_of(request), request.path_params["key"]
    )
    return RedirectResponse(f"{ws.path}?done=withdrawn", status_code=303)


@members_only()
async def show_responses(request: Request, ws: Workspace) -> Response:
    kind, key = kind_of(request), request.path_params["key"]
    node = runtime(request)
    stored = await publishing.owned(node, ws.org, kind, key)
    found = await responses.of(node, ws.org, kind, key)
    travelled = None
    if kind is Kind.CALL:  # for members, reach is looked up (at most hourly per amplifier)
        travelled = await publications.drawing(request, await cascade.tree(node, stored))
    sent = await receipts.of_publication(
        node,
        ws.org,
        RECEIPT_PATHS[kind],
        key,
        limit=RECEIPTS_PAGE,
        after=query_int(request, "after"),
    )
    context = {
        "item": stored,
        "kind": kind.value,
        "responses": found,
        "cascade": travelled,
        "receipts": sent,
        "names": await public_reading.actor_labels(node, {e.actor_iri for e in sent.amplified_by}),
        "done": request.query_params.get("done", ""),
    }
    return await rendering.page(request, "ws_responses.html", context)


@members_only()
async def redeliver(request: Request, ws: Workspace) -> Response:
    """Failed and waiting deliveries of the publication are due now (one inbox, if given)."""
    form = await forms.read(request)
    kind, key = kind_of(request), request.path_params["key"]
    await receipts.redeliver(
        runtime(request),
        ws.org,
        RECEIPT_PATHS[kind],
        key,
        member_who(request, ws),
        form.text("inbox") or None,
    )
    return RedirectResponse(
        f"{ws.path}/{kind.value}/{key}/responses?done=redelivering", status_code=303
    )
