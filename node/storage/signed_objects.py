"""Received objects as their authors signed them (their integrity proof verified), by IRI.

Kept apart from `objects`, whose document is the node's sanitised, normalised reading: a
proof covers the exact JSON that was signed, so only the copy here can be passed on signed.
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
class SignedObject:
    iri: str
    owner_iri: str
    document: dict[str, Any]
    verified_at: datetime


async def keep(
    session: AsyncSession, iri: str, owner_iri: str, document: dict[str, Any], now: datetime
) -> None:
    """Store the signed copy, replacing an earlier one of the same owner (a revision)."""
    statement = dialect_insert(session, SignedObjectRow).values(
        iri=iri, owner_iri=owner_iri, document=document, verified_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SignedObjectRow.iri],
            set_={"document": document, "verified_at": now},
            where=SignedObjectRow.owner_iri == owner_iri,
        )
    )


async def get(session: AsyncSession, iri: str) -> SignedObject | None:
    row = await session.scalar(select(SignedObjectRow).where(SignedObjectRow.iri == iri))
    if row is None:
        return None
    return SignedObject(row.iri, row.owner_iri, row.document, row.verified_at)


async def forget(session: AsyncSession, iri: str) -> None:
    await session.execute(delete(SignedObjectRow).where(SignedObjectRow.iri == iri))
