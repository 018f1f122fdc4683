"""What a node has queued to send, read back from its delivery rows (what the worker will POST):
each activity as it will be sent, parsed from the row's body, with its inbox, oldest first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from node.federation.runtime import Runtime
from node.storage.tables import DeliveryRow


@dataclass(frozen=True)
class Queued:
    activity: dict[str, Any]
    inbox: str

    @property
    def type(self) -> str:
        return str(self.activity["type"])


async def queued(node: Runtime, kind: str | None = None) -> list[Queued]:
    """Every delivery the node has queued (of one activity type when `kind` is given)."""
    async with node.db.transaction() as session:
        rows = await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))
        found = [Queued(json.loads(row.body), row.inbox_url) for row in rows]
    return [entry for entry in found if kind is None or entry.type == kind]


def inboxes(found: list[Queued]) -> set[str]:
    return {entry.inbox for entry in found}
