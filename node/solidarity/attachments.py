"""Pictures and documents of organisations: uploading (made anew without metadata, off the
event loop), describing (alt text), what a publication may carry (at most 4 images, or one
document and 3 images), releasing a withdrawn publication's files, and pruning uploads never
attached (PruneQueue, a queue of the worker).

Files are written before their row and deleted after it: a crash leaves at worst a file no
row names, never a row whose file is missing.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.federation.runtime import Runtime
from node.media.processing import Processed
from node.publication import Attachment, MediaKind, Visibility
from node.storage import remote_media, uploads
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject
from node.storage.remote_media import RemoteMedia
from node.storage.tables import MediaRow
from node.storage.uploads import StoredMedia
from node.urls import Urls

MAX_IMAGES = 4
MAX_DOCUMENTS = 1
MAX_ATTACHMENTS = 4
PRUNE_BATCH = 50


def new_key() -> str:
    return secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


def description_of(value: object, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("'description' must be text: what the picture or document shows")
    if len(value) > limit:
        raise InvalidInput(f"'description' is longer than {limit} characters ({len(value)})")
    return value.strip()


async def upload(node: Runtime, org: LocalActor, data: bytes, description: object) -> StoredMedia:
    """Store a new upload of `org`; InvalidInput (4xx) and nothing stored when it is refused."""
    text = description_of(description, node.settings.media.description_chars)
    processed = await node.media_processor.process(data)
    key = new_key()
    row = media_row(key, org, processed, text, node.clock.now())
    names = [row.file, *([row.thumbnail_file] if row.thumbnail_file else [])]
    try:
        await node.media_store.put(row.file, processed.data)
        if row.thumbnail_file and processed.thumbnail is not None:
            await node.media_store.put(row.thumbnail_file, processed.thumbnail)
        async with node.db.transaction() as session:
            return await uploads.add(session, row)
    except BaseException:
        for name in names:
            await node.media_store.delete(name)
        raise


def media_row(
    key: str, org: LocalActor, processed: Processed, description: str, now: datetime
) -> MediaRow:
    thumbnail = f"{key}-small.webp" if processed.thumbnail is not None else None
    return MediaRow(
        key=key,
        actor_id=org.id,
        kind=processed.kind.value,
        media_type=processed.media_type,
        description=description,
        width=processed.width,
        height=processed.height,
        blurhash=processed.blurhash,
        size=len(processed.data),
        file=f"{key}.{processed.format.extension}",
        thumbnail_file=thumbnail,
        thumbnail_type=processed.thumbnail_type,
        created_at=now,
    )


async def owned(node: Runtime, org: LocalActor, key: str) -> StoredMedia:
    async with node.db.transaction() as session:
        found = await uploads.by_key(session, key)
    if found is None or found.actor_id != org.id:
        raise NotFound(f"{org.username} has no media {key}")
    return found


async def describe(node: Runtime, org: LocalActor, key: str, description: object) -> StoredMedia:
    """Change the alt text; publications already sent show it from their next revision."""
    await owned(node, org, key)
    text = description_of(description, node.settings.media.description_chars)
    async with node.db.transaction() as session:
        found = await uploads.describe(session, key, text)
    if found is None:
        raise NotFound(f"{org.username} has no media {key}")
    return found


async def for_publication(node: Runtime, org: LocalActor, keys: Sequence[str]) -> list[StoredMedia]:
    """The uploads a publication will carry, in order; InvalidInput naming what is wrong."""
    async with node.db.transaction() as session:
        found = await uploads.owned(session, org.id, keys)
    return check_set(keys, found)


def check_set(keys: Sequence[str], found: Sequence[StoredMedia]) -> list[StoredMedia]:
    missing = sorted(set(keys) - {item.key for item in found})
    if missing:
        raise InvalidInput(f"no such media of this organisation: {', '.join(missing)}")
    documents = sum(item.kind is MediaKind.DOCUMENT for item in found)
    if len(found) > MAX_ATTACHMENTS or documents > MAX_DOCUMENTS:
        raise InvalidInput(
            f"a publication carries at most {MAX_IMAGES} pictures, or {MAX_DOCUMENTS} document "
            f"and {MAX_ATTACHMENTS - MAX_DOCUMENTS} pictures"
        )
    return list(found)


def attachment(urls: Urls, item: StoredMedia) -> Attachment:
    url = urls.media(item.file)
    return Attachment(
        kind=item.kind,
        media_type=item.media_type,
        url=url,
        description=item.description,
        width=item.width,
        height=item.height,
        blurhash=item.blurhash,
        preview=urls.media(item.thumbnail_file) if item.thumbnail_file else url,
    )


def remote_attachment(urls: Urls, item: RemoteMedia) -> Attachment:
    """Another server's picture shown through this node's copy; documents only as links."""
    shown = item.attachment
    if shown.kind is MediaKind.IMAGE:
        return dataclasses.replace(shown, preview=urls.media_copy(item.key))
    return shown


async def shown_with(
    session: AsyncSession, urls: Urls, stored: Sequence[StoredObject]
) -> dict[int, tuple[Attachment, ...]]:
    """The attachments of each object, local or received, as pages and lists show them."""
    ids = [item.id for item in stored]
    local = await uploads.of_objects(session, ids)
    received = await remote_media.of_objects(session, ids)
    found: dict[int, tuple[Attachment, ...]] = {}
    for object_id in ids:
        items = [attachment(urls, m) for m in local.get(object_id, [])]
        items += [remote_attachment(urls, r) for r in received.get(object_id, [])]
        if items:
            found[object_id] = tuple(items)
    return found


async def of_publication(node: Runtime, stored: StoredObject) -> tuple[Attachment, ...]:
    async with node.db.transaction() as session:
        found = await shown_with(session, node.urls, [stored])
    return found.get(stored.id, ())


async def of_public(node: Runtime, stored: Sequence[StoredObject]) -> dict[int, list[StoredMedia]]:
    """The uploads of this node's own public publications among `stored`, for the feeds: a
    feed names only files served to anyone, never another server's nor a private one."""
    ids = [s.id for s in stored if s.visibility is Visibility.PUBLIC and s.local_actor_id]
    async with node.db.transaction() as session:
        return await uploads.of_objects(session, ids)


async def delete_files(node: Runtime, removed: Sequence[StoredMedia]) -> None:
    for item in removed:
        for name in item.files:
            await node.media_store.delete(name)


class PruneQueue:
    """Removes uploads attached to nothing once older than `unattached_hours` (a Queue of the
    worker: several workers may run it; a row deleted twice is deleted once)."""

    name = "media-prune"

    def __init__(self, node: Runtime) -> None:
        self.node = node
        self.age = timedelta(hours=node.settings.media.unattached_hours)

    async def run_once(self, limit: int) -> int:
        cutoff = self.node.clock.now() - self.age
        async with self.node.db.transaction() as session:
            old = await uploads.unattached_before(session, cutoff, min(limit, PRUNE_BATCH))
            await uploads.remove(session, old)
        await delete_files(self.node, old)
        return len(old)

    async def next_due(self) -> datetime | None:
        async with self.node.db.transaction() as session:
            oldest = await uploads.oldest_unattached(session)
        return None if oldest is None else oldest + self.age
