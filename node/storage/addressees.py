"""Who each object was addressed to: the local organisations in its audience, kept as rows
when it was received or published, and the one rule every read of stored content applies.

Readable by an organisation: a public or unlisted object, its own, or one it was addressed to.
Nothing else decides who may read a non-public object on this node's own routes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, delete, exists, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.publication import LISTED
from node.storage.objects import StoredObject, labels_of, to_view
from node.storage.tables import ObjectAddresseeRow, ObjectRow


def readable_by(actor_id: int) -> ColumnElement[bool]:
    """SQL: the object (ObjectRow) is one this local organisation may read."""
    addressed = exists().where(
        ObjectAddresseeRow.object_id == ObjectRow.id, ObjectAddresseeRow.actor_id == actor_id
    )
    return or_(ObjectRow.visibility.in_(LISTED), ObjectRow.local_actor_id == actor_id, addressed)


async def replace(session: AsyncSession, object_id: int, actor_ids: Collection[int]) -> None:
    """The object's addressees are now these (a revision or an Update may remove some)."""
    table = ObjectAddresseeRow
    await session.execute(delete(table).where(table.object_id == object_id))
    session.add_all(ObjectAddresseeRow(object_id=object_id, actor_id=a) for a in set(actor_ids))
    await session.flush()


async def add_new(session: AsyncSession, found: Sequence[tuple[int, Collection[int]]]) -> None:
    """The addressees of objects just stored (none recorded yet), in one INSERT."""
    rows = [{"object_id": o, "actor_id": a} for o, actor_ids in found for a in set(actor_ids)]
    if rows:
        await session.execute(insert(ObjectAddresseeRow), rows)


async def add(session: AsyncSession, object_id: int, actor_ids: Collection[int]) -> None:
    """These organisations are addressees too (those it had stay)."""
    new = set(actor_ids) - await of_object(session, object_id)
    session.add_all(ObjectAddresseeRow(object_id=object_id, actor_id=a) for a in new)
    await session.flush()


async def of_object(session: AsyncSession, object_id: int) -> set[int]:
    rows = await session.scalars(
        select(ObjectAddresseeRow.actor_id).where(ObjectAddresseeRow.object_id == object_id)
    )
    return set(rows)


async def may_read(session: AsyncSession, stored: StoredObject, actor_id: int) -> bool:
    if stored.fields.is_listed or stored.local_actor_id == actor_id:
        return True
    found = await session.scalar(
        select(ObjectAddresseeRow.id).where(
            ObjectAddresseeRow.object_id == stored.id, ObjectAddresseeRow.actor_id == actor_id
        )
    )
    return found is not None


async def named(session: AsyncSession, key: str, actor_id: int) -> StoredObject | None:
    """The object whose id ends in the path segment `key` that this organisation may read: its
    own or another local one first, then the newest received. An exact match, never a pattern."""
    row = await session.scalar(
        select(ObjectRow)
        .where(ObjectRow.tail == key, readable_by(actor_id))
        .order_by(ObjectRow.local_actor_id.is_(None), ObjectRow.id.desc())
        .limit(1)
    )
    return None if row is None else to_view(row, await labels_of(session, row.id))


async def replies_readable(session: AsyncSession, iri: str, actor_id: int) -> list[StoredObject]:
    """Replies to `iri` that this organisation may read, oldest first."""
    rows = await session.scalars(
        select(ObjectRow)
        .where(ObjectRow.in_reply_to == iri, ObjectRow.deleted_at.is_(None), readable_by(actor_id))
        .order_by(ObjectRow.published, ObjectRow.id)
    )
    return [to_view(row) for row in rows]
