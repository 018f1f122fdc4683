"""Serving media: local uploads at /media/FILE, copies of other servers' pictures at
/media/copies/KEY.

Every answer carries its stored Content-Type, `X-Content-Type-Options: nosniff` and a
sandboxing Content-Security-Policy; documents come as downloads (`Content-Disposition:
attachment`). Public files are cacheable for a year (their names never change); files of
followers-only or direct publications go only to signed requests from their audience (or
the owning organisation's token) and are never cached for others.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from node.errors import NotFound, SolidarityError
from node.federation import media_access, media_copies
from node.federation.runtime import Runtime
from node.publication import MediaKind
from node.storage import uploads
from node.storage.uploads import StoredMedia
from node.web import auth
from node.web.app_state import runtime
from node.web.publications import incoming

PUBLIC_CACHE = "public, max-age=31536000, immutable"
COPY_CACHE = "public, max-age=86400"
PRIVATE_CACHE = "private, no-store"


def headers_for(name: str, kind: MediaKind, cache: str) -> dict[str, str]:
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": cache,
        "Content-Disposition": (
            f'attachment; filename="{name.rsplit("/", 1)[-1]}"'
            if kind is MediaKind.DOCUMENT
            else "inline"
        ),
    }
    if cache != PRIVATE_CACHE:
        headers["Access-Control-Allow-Origin"] = "*"
    else:
        headers["Vary"] = "Authorization, Signature"
    return headers


async def is_owner(request: Request, item: StoredMedia) -> bool:
    if "authorization" not in request.headers:
        return False
    try:
        org = await auth.organisation(request)
    except SolidarityError:
        return False
    return org.id == item.actor_id


def key_of(name: str) -> str:
    """The upload a file name belongs to (KEY.ext, or KEY-small.webp for its thumbnail)."""
    return name.rsplit(".", 1)[0].removesuffix("-small")


def type_of(item: StoredMedia, name: str) -> str:
    return item.media_type if name == item.file else item.thumbnail_type or ""


async def local_file(request: Request) -> Response:
    node = runtime(request)
    name = request.path_params["name"]
    key = key_of(name)
    async with node.db.transaction() as session:
        item = await uploads.by_key(session, key)
    if item is None or name not in item.files:
        raise NotFound(f"no such media here: {name}")
    if await is_owner(request, item):
        cache = PRIVATE_CACHE
    elif await media_access.is_public(node, item):
        cache = PUBLIC_CACHE
    else:
        await media_access.check_reader(node, item, incoming(request))
        cache = PRIVATE_CACHE
    return await send(node, name, type_of(item, name), headers_for(name, item.kind, cache))


async def send(node: Runtime, name: str, media_type: str, headers: dict[str, str]) -> Response:
    """The file, sent by nginx when it is set up for it (X-Accel-Redirect to an internal
    location over the media folder), else by the node."""
    accel = node.settings.media.accel_redirect
    if accel:
        headers = headers | {"X-Accel-Redirect": accel + name}
        return Response(b"", media_type=media_type, headers=headers)
    path = node.media_store.local_path(name)
    if path is not None:
        if not path.is_file():
            raise NotFound(f"the file {name} is missing from the media store")
        return FileResponse(path, media_type=media_type, headers=headers)
    return Response(await node.media_store.get(name), media_type=media_type, headers=headers)


async def remote_copy(request: Request) -> Response:
    node = runtime(request)
    key = request.path_params["key"]
    found = await media_copies.copy_of(node, key)
    headers = headers_for(f"{key}.webp", MediaKind.IMAGE, COPY_CACHE)
    return Response(found.data, media_type=found.media_type, headers=headers)
