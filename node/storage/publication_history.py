"""A local publication's versions, as its followers received them: the Create and each Update
kept in the outbox, oldest first (a withdrawn publication has none: its outbox entries go)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.tables import ActivityRow

MAX_VERSIONS = 100


@dataclass(frozen=True)
class Version:
    number: int
    at: datetime
    title: str
    summary: str
    content_html: str


def _text(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    return value if isinstance(value, str) else ""


async def versions(session: AsyncSession, object_iri: str) -> list[Version]:
    rows = await session.scalars(
        select(ActivityRow)
        .where(ActivityRow.object_iri == object_iri, ActivityRow.type.in_(("Create", "Update")))
        .order_by(ActivityRow.published, ActivityRow.id)
        .limit(MAX_VERSIONS)
    )
    found = []
    for number, row in enumerate(rows, start=1):
        obj = row.document.get("object")
        document = obj if isinstance(obj, dict) else {}
        found.append(
            Version(
                number,
                row.published,
                _text(document, "name"),
                _text(document, "summary"),
                _text(document, "content"),
            )
        )
    return found
