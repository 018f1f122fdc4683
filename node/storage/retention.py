"""What the node forgets once the retention time has passed: finished inbox items, and
received objects nothing here refers to any more.

A received object is referred to while a local organisation was addressed by it, follows its
author, has amplified (or been asked to amplify) it, it answers a local publication, or a local
publication answers it; its reactions and cascade entries go with it. Deletions run in batches
of `limit` rows, each its own statement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from node.storage.follows import ACCEPTED
from node.storage.inbox_items import DONE, FAILED, REJECTED
from node.storage.tables import (
    AmplificationRow,
    CascadeEntryRow,
    FollowRow,
    InboxItemRow,
    ObjectAddresseeRow,
    ObjectRow,
    ReactionRow,
)


async def prune_inbox_items(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Items done or refused before `cutoff`, and those that failed for good, received before."""
    finished = or_(
        and_(InboxItemRow.state.in_((DONE, REJECTED)), InboxItemRow.done_at < cutoff),
        and_(InboxItemRow.state == FAILED, InboxItemRow.received_at < cutoff),
    )
    ids = list(await session.scalars(select(InboxItemRow.id).where(finished).limit(limit)))
    if ids:
        await session.execute(delete(InboxItemRow).where(InboxItemRow.id.in_(ids)))
    return len(ids)


def referred_to() -> ColumnElement[bool]:
    """SQL: something here still refers to the object (ObjectRow)."""
    answered, answering = aliased(ObjectRow), aliased(ObjectRow)
    return or_(
        exists().where(ObjectAddresseeRow.object_id == ObjectRow.id),
        exists().where(FollowRow.target_iri == ObjectRow.actor_iri, FollowRow.state == ACCEPTED),
        exists().where(AmplificationRow.object_iri == ObjectRow.iri),
        exists().where(answered.iri == ObjectRow.in_reply_to, answered.local_actor_id.is_not(None)),
        exists().where(
            answering.in_reply_to == ObjectRow.iri, answering.local_actor_id.is_not(None)
        ),
    )


async def prune_objects(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Received objects stored before `cutoff` that nothing refers to, with their reactions
    and cascade entries (labels and addressees go with their rows)."""
    found = (
        await session.execute(
            select(ObjectRow.id, ObjectRow.iri)
            .where(
                ObjectRow.local_actor_id.is_(None),
                ObjectRow.stored_at < cutoff,
                not_(referred_to()),
            )
            .limit(limit)
        )
    ).all()
    if not found:
        return 0
    iris = [iri for _, iri in found]
    await session.execute(delete(ReactionRow).where(ReactionRow.object_iri.in_(iris)))
    await session.execute(delete(CascadeEntryRow).where(CascadeEntryRow.object_iri.in_(iris)))
    await session.execute(delete(ObjectRow).where(ObjectRow.id.in_([i for i, _ in found])))
    return len(found)
