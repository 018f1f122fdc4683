"""Attachments of received objects, kept as references: another server's URL, its type and
description, and (once fetched) the name of this node's clean copy in the media store.

A received Update replaces the list; a copy whose fetch failed is not tried again before
RETRY_AFTER. Rows go with their object (ON DELETE CASCADE) or are dropped on a Delete.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.publication import LISTED, Attachment, MediaKind
from node.storage.tables import ObjectRow, RemoteMediaRow

RETRY_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class RemoteMedia:
    id: int
    key: str
    object_id: int
    attachment: Attachment
    copy_file: str | None
    copy_type: str | None
    failed_at: datetime | None
    failure: str | None
    shown: bool = False  # its object is public or unlisted, and not deleted

    def may_try(self, now: datetime) -> bool:
        return self.failed_at is None or now - self.failed_at >= RETRY_AFTER


def to_view(row: RemoteMediaRow, shown: bool = False) -> RemoteMedia:
    attachment = Attachment(
        kind=MediaKind(row.ap_kind),
        media_type=row.ap_media_type or "",
        url=row.ap_url,
        description=row.ap_name,
        width=row.ap_width,
        height=row.ap_height,
        blurhash=row.ap_blurhash,
    )
    return RemoteMedia(
        row.id, row.key, row.object_id, attachment, row.copy_file, row.copy_type,
        row.failed_at, row.failure, shown,
    )  # fmt: skip


async def replace(
    session: AsyncSession, object_id: int, attachments: Sequence[Attachment]
) -> list[str]:
    """Keep `attachments` as the object's; returns the copies no longer referenced (to delete).
    An attachment whose URL was already known keeps its key and copy."""
    rows = list(
        await session.scalars(select(RemoteMediaRow).where(RemoteMediaRow.object_id == object_id))
    )
    known = {row.ap_url: row for row in rows}
    kept: set[int] = set()
    for position, item in enumerate(attachments):
        row = known.get(item.url)
        if row is None or row.id in kept:
            row = RemoteMediaRow(
                object_id=object_id, key=secrets.token_urlsafe(12), ap_url=item.url
            )
            session.add(row)
        row.position, row.ap_kind, row.ap_media_type = position, item.kind, item.media_type or None
        row.ap_name, row.ap_width, row.ap_height = item.description, item.width, item.height
        row.ap_blurhash = item.blurhash
        await session.flush()
        kept.add(row.id)
    dropped = [row for row in rows if row.id not in kept]
    for row in dropped:
        await session.delete(row)
    return [row.copy_file for row in dropped if row.copy_file]


async def drop(session: AsyncSession, object_id: int) -> list[str]:
    """Forget a deleted object's attachments; returns the copies to delete."""
    return await replace(session, object_id, [])


async def of_objects(
    session: AsyncSession, object_ids: Sequence[int]
) -> dict[int, list[RemoteMedia]]:
    found: dict[int, list[RemoteMedia]] = {}
    if not object_ids:
        return found
    rows = await session.scalars(
        select(RemoteMediaRow)
        .where(RemoteMediaRow.object_id.in_(object_ids))
        .order_by(RemoteMediaRow.object_id, RemoteMediaRow.position)
    )
    for row in rows:
        found.setdefault(row.object_id, []).append(to_view(row))
    return found


async def by_key(session: AsyncSession, key: str) -> RemoteMedia | None:
    found = (
        await session.execute(
            select(RemoteMediaRow, ObjectRow.visibility, ObjectRow.deleted_at)
            .join(ObjectRow, ObjectRow.id == RemoteMediaRow.object_id)
            .where(RemoteMediaRow.key == key)
        )
    ).first()
    if found is None:
        return None
    row, visibility, deleted_at = found
    return to_view(row, shown=visibility in LISTED and deleted_at is None)


async def set_copy(session: AsyncSession, key: str, file: str, media_type: str) -> None:
    row = await session.scalar(select(RemoteMediaRow).where(RemoteMediaRow.key == key))
    if row is not None:
        row.copy_file, row.copy_type, row.failed_at, row.failure = file, media_type, None, None


async def set_failed(session: AsyncSession, key: str, now: datetime, reason: str) -> None:
    row = await session.scalar(select(RemoteMediaRow).where(RemoteMediaRow.key == key))
    if row is not None:
        row.failed_at, row.failure = now, reason[:1000]
