"""Copies of other servers' pictures, so that this node's pages never make a visitor's browser
ask another server for anything (that would tell it the visitor's address).

A copy is fetched once a page asks for it, through the safe fetcher (address guard, time and
redirect limits, unsigned), within the upload limits, and made anew like an upload: type from
the content, metadata dropped, only the small preview kept. Only attachments of public or
unlisted objects are copied; documents are never copied (pages link to them). A failed fetch
is not tried again for an hour.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.errors import NotFound, SolidarityError
from node.federation.runtime import Runtime
from node.publication import MediaKind
from node.storage import remote_media
from node.storage.remote_media import RemoteMedia

ACCEPT = "image/jpeg, image/png, image/webp, image/gif"


@dataclass(frozen=True)
class Copy:
    data: bytes
    media_type: str


async def copy_of(node: Runtime, key: str) -> Copy:
    """This node's copy of a received picture, fetched now if needed; NotFound otherwise."""
    async with node.db.transaction() as session:
        found = await remote_media.by_key(session, key)
    if found is None or not found.shown or found.attachment.kind is not MediaKind.IMAGE:
        raise NotFound(f"no copy of media {key} here")
    if found.copy_file and found.copy_type:
        return Copy(await node.media_store.get(found.copy_file), found.copy_type)
    if not found.may_try(node.clock.now()):
        raise NotFound(f"{found.attachment.url} could not be copied: {found.failure}")
    return await fetch_copy(node, found)


async def fetch_copy(node: Runtime, found: RemoteMedia) -> Copy:
    url = found.attachment.url
    limits = node.settings.media
    try:
        fetched = await node.fetcher.get(url, accept=ACCEPT, max_bytes=limits.image_max_bytes)
        processed = await node.media_processor.process(fetched.body)
        if processed.kind is not MediaKind.IMAGE or processed.thumbnail is None:
            raise NotFound(f"{url} is not a picture")
    except SolidarityError as exc:
        async with node.db.transaction() as session:
            await remote_media.set_failed(session, found.key, node.clock.now(), str(exc))
        raise NotFound(f"{url} could not be copied: {exc}") from exc
    name = f"copies/{found.key}-small.webp"
    media_type = processed.thumbnail_type or "image/webp"
    await node.media_store.put(name, processed.thumbnail)
    async with node.db.transaction() as session:
        await remote_media.set_copy(session, found.key, name, media_type)
    return Copy(processed.thumbnail, media_type)
