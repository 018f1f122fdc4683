"""The media API: upload a picture or document (multipart: file, description), show one, and
edit its description (alt text). Bearer token required.

The body is read within the upload limit before it is parsed; the multipart form may carry
one file and a few small fields. What the file is comes from its bytes (node/media), never
from its name or the declared Content-Type.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from node.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from node.publication import Attachment
from node.solidarity import attachments
from node.storage.uploads import StoredMedia
from node.urls import Urls
from node.web import auth, forms
from node.web.api import read_json
from node.web.app_state import runtime
from node.web.json_responses import json_response

MULTIPART_OVERHEAD = 64 * 1024
MAX_FIELDS = 4


def attachment_json(item: Attachment) -> dict[str, Any]:
    """An attachment in a listing: `url` may be another server's; `preview_url` is on this node
    (for received pictures, a copy fetched on first use), null for received documents."""
    return {
        "type": item.kind,
        "media_type": item.media_type,
        "url": item.url,
        "preview_url": item.preview,
        "description": item.description,
        "width": item.width,
        "height": item.height,
        "blurhash": item.blurhash,
    }


def media_json(urls: Urls, item: StoredMedia) -> dict[str, Any]:
    shown = attachments.attachment(urls, item)
    return {
        "id": item.key,
        "type": item.kind,
        "url": shown.url,
        "preview_url": shown.preview,
        "media_type": item.media_type,
        "description": item.description,
        "width": item.width,
        "height": item.height,
        "blurhash": item.blurhash,
        "size": item.size,
    }


async def read_upload(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the upload is {declared} bytes; at most {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the upload is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_form(scope: Scope, body: bytes, description_chars: int) -> tuple[bytes, object]:
    """The file's bytes and the description, from a multipart body already read."""
    form = await forms.multipart(
        scope, body, max_files=1, max_fields=MAX_FIELDS, max_part_size=description_chars * 4 + 1024
    )
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("'file' is required: the picture or document, as a file field")
        return await upload.read(), form.get("description")
    finally:
        await form.close()


async def upload(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType(
            "send multipart/form-data with a 'file' field and a 'description' (the alt text)"
        )
    limits = node.settings.media
    most = max(limits.image_max_bytes, limits.document_max_bytes) + MULTIPART_OVERHEAD
    body = await read_upload(request, most)
    data, description = await parse_form(request.scope, body, limits.description_chars)
    stored = await attachments.upload(node, org, data, description)
    return json_response(media_json(node.urls, stored), status=201)


async def show(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    found = await attachments.owned(node, org, request.path_params["id"])
    return json_response(media_json(node.urls, found))


async def describe(request: Request) -> Response:
    org = await auth.organisation(request)
    node = runtime(request)
    body = await read_json(request)
    if set(body) - {"description"}:
        raise InvalidInput("only 'description' can change")
    found = await attachments.describe(
        node, org, request.path_params["id"], body.get("description")
    )
    return json_response(media_json(node.urls, found))
