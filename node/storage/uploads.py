"""Local uploads and their attachment to local publications.

An upload belongs to the organisation that sent it; a publication lists its uploads in order
(media_attachments). One upload may serve several publications: it is removed only when
none uses it any more (withdrawn publications release theirs), and one never attached is
pruned once older than a day. The bytes live in a MediaStore under the names kept here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.publication import MediaKind
from node.storage.tables import MediaAttachmentRow, MediaRow, ObjectRow


@dataclass(frozen=True)
class StoredMedia:
    id: int
    key: str
    actor_id: int
    kind: MediaKind
    media_type: str
    description: str
    width: int | None
    height: int | None
    blurhash: str | None
    size: int
    file: str
    thumbnail_file: str | None
    thumbnail_type: str | None
    created_at: datetime

    @property
    def files(self) -> tuple[str, ...]:
        return (self.file, self.thumbnail_file) if self.thumbnail_file else (self.file,)


def to_view(row: MediaRow) -> StoredMedia:
    return StoredMedia(
        id=row.id,
        key=row.key,
        actor_id=row.actor_id,
        kind=MediaKind(row.kind),
        media_type=row.media_type,
        description=row.description,
        width=row.width,
        height=row.height,
        blurhash=row.blurhash,
        size=row.size,
        file=row.file,
        thumbnail_file=row.thumbnail_file,
        thumbnail_type=row.thumbnail_type,
        created_at=row.created_at,
    )


async def add(session: AsyncSession, row: MediaRow) -> StoredMedia:
    session.add(row)
    await session.flush()
    return to_view(row)


async def by_key(session: AsyncSession, key: str) -> StoredMedia | None:
    row = await session.scalar(select(MediaRow).where(MediaRow.key == key))
    return None if row is None else to_view(row)


async def describe(session: AsyncSession, key: str, description: str) -> StoredMedia | None:
    row = await session.scalar(select(MediaRow).where(MediaRow.key == key))
    if row is None:
        return None
    row.description = description
    return to_view(row)


async def owned(session: AsyncSession, actor_id: int, keys: Sequence[str]) -> list[StoredMedia]:
    """The uploads of `actor_id` among `keys`, in the order of `keys` (unknown ones left out)."""
    if not keys:
        return []
    rows = await session.scalars(
        select(MediaRow).where(MediaRow.key.in_(keys), MediaRow.actor_id == actor_id)
    )
    found = {row.key: to_view(row) for row in rows}
    return [found[key] for key in keys if key in found]


async def attach(session: AsyncSession, object_id: int, media: Sequence[StoredMedia]) -> None:
    """Make `media` the attachments of the object, in this order (replacing earlier ones)."""
    await session.execute(
        delete(MediaAttachmentRow).where(MediaAttachmentRow.object_id == object_id)
    )
    session.add_all(
        MediaAttachmentRow(object_id=object_id, media_id=item.id, position=position)
        for position, item in enumerate(media)
    )
    await session.flush()


async def of_object(session: AsyncSession, object_id: int) -> list[StoredMedia]:
    rows = await session.scalars(
        select(MediaRow)
        .join(MediaAttachmentRow, MediaAttachmentRow.media_id == MediaRow.id)
        .where(MediaAttachmentRow.object_id == object_id)
        .order_by(MediaAttachmentRow.position)
    )
    return [to_view(row) for row in rows]


async def of_objects(
    session: AsyncSession, object_ids: Sequence[int]
) -> dict[int, list[StoredMedia]]:
    found: dict[int, list[StoredMedia]] = {}
    if not object_ids:
        return found
    rows = await session.execute(
        select(MediaAttachmentRow.object_id, MediaRow)
        .join(MediaRow, MediaAttachmentRow.media_id == MediaRow.id)
        .where(MediaAttachmentRow.object_id.in_(object_ids))
        .order_by(MediaAttachmentRow.object_id, MediaAttachmentRow.position)
    )
    for object_id, row in rows:
        found.setdefault(object_id, []).append(to_view(row))
    return found


async def users(session: AsyncSession, media_id: int) -> list[str]:
    """The IRIs of the publications (deleted ones included) an upload is attached to."""
    rows = await session.scalars(
        select(ObjectRow.iri)
        .join(MediaAttachmentRow, MediaAttachmentRow.object_id == ObjectRow.id)
        .where(MediaAttachmentRow.media_id == media_id)
        .order_by(ObjectRow.id)
    )
    return list(rows)


async def release(session: AsyncSession, object_id: int) -> list[StoredMedia]:
    """Detach everything from a withdrawn object; the uploads no one else uses are deleted
    and returned, so their files can go too."""
    attached = await of_object(session, object_id)
    await session.execute(
        delete(MediaAttachmentRow).where(MediaAttachmentRow.object_id == object_id)
    )
    unused = [item for item in attached if not await _is_attached(session, item.id)]
    await remove(session, unused)
    return unused


async def unattached_before(
    session: AsyncSession, cutoff: datetime, limit: int
) -> list[StoredMedia]:
    """Uploads attached to nothing and made before `cutoff`, oldest first."""
    used = exists().where(MediaAttachmentRow.media_id == MediaRow.id)
    rows = await session.scalars(
        select(MediaRow)
        .where(MediaRow.created_at <= cutoff, ~used)
        .order_by(MediaRow.created_at, MediaRow.id)
        .limit(limit)
    )
    return [to_view(row) for row in rows]


async def oldest_unattached(session: AsyncSession) -> datetime | None:
    used = exists().where(MediaAttachmentRow.media_id == MediaRow.id)
    found = await session.scalar(
        select(MediaRow.created_at).where(~used).order_by(MediaRow.created_at).limit(1)
    )
    return found


async def remove(session: AsyncSession, media: Sequence[StoredMedia]) -> None:
    if media:
        await session.execute(delete(MediaRow).where(MediaRow.id.in_([m.id for m in media])))


async def _is_attached(session: AsyncSession, media_id: int) -> bool:
    found = await session.scalar(
        select(MediaAttachmentRow.id).where(MediaAttachmentRow.media_id == media_id).limit(1)
    )
    return found is not None
