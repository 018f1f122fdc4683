"""Received objects as their authors signed them (their integrity proof verified), by IRI.

Kept apart from `objects`, whose document is the node's sanitised, normalised reading: a
proof covers the exact JSON that was signed, so only the copy here can be passed on signed.
Each copy keeps the key that verified it; for a circle call taken on an ally's word, also that
ally (`vouched_by`) and the author's inbox it attested. Verified Update and Delete activities
of circle calls are kept here too (by their own id) until they are passed along.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.db import dialect_insert
from node.storage.tables import SignedObjectRow


@dataclass(frozen=True)
class KeyUsed:
    """The assertion key that verified a proof; vouched_by: the ally that attested it (None
    when it came from its owner's own actor document); author_inbox as that ally attested."""

    key_id: str
    public_key: str
    vouched_by: str | None = None
    author_inbox: str | None = None


@dataclass(frozen=True)
class SignedObject:
    iri: str
    owner_iri: str
    document: dict[str, Any]
    verified_at: datetime
    key: KeyUsed | None = None


async def keep(
    session: AsyncSession,
    iri: str,
    owner_iri: str,
    document: dict[str, Any],
    now: datetime,
    key: KeyUsed | None = None,
) -> None:
    """Store the signed copy, replacing an earlier one of the same owner (a revision)."""
    facts = {
        "key_id": key.key_id if key else None,
        "public_key": key.public_key if key else None,
        "vouched_by": key.vouched_by if key else None,
        "author_inbox": key.author_inbox if key else None,
    }
    statement = dialect_insert(session, SignedObjectRow).values(
        iri=iri, owner_iri=owner_iri, document=document, verified_at=now, **facts
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SignedObjectRow.iri],
            set_={"document": document, "verified_at": now, **facts},
            where=SignedObjectRow.owner_iri == owner_iri,
        )
    )


async def get(session: AsyncSession, iri: str) -> SignedObject | None:
    row = await session.scalar(select(SignedObjectRow).where(SignedObjectRow.iri == iri))
    if row is None:
        return None
    key = None
    if row.key_id and row.public_key:
        key = KeyUsed(row.key_id, row.public_key, row.vouched_by, row.author_inbox)
    return SignedObject(row.iri, row.owner_iri, row.document, row.verified_at, key)


async def forget(session: AsyncSession, iri: str) -> None:
    await session.execute(delete(SignedObjectRow).where(SignedObjectRow.iri == iri))
