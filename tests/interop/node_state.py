"""What interop tests read of the node under test and of the Fedify peers: a token, the node's
database through its own storage code, the POSTs a peer made to the node, and the evidence
shown when a wait times out.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage import objects
from node.storage.objects import StoredObject
from node.storage.tables import DeliveryRow, InboxItemRow
from tests.interop.interop_harness import FedifyPeer, Json, LiveNode
from tests.support.processes import query_database, wait_until

T = TypeVar("T")
NODE_TIMEOUT = 60.0  # a peer's own queue, on a machine the other tests share
POLL_INTERVAL = 0.1
AS2 = "application/activity+json"


def token_for(node: LiveNode, org: str) -> str:
    return node.cli("token", "create", org, "--label", "interop").strip().splitlines()[-1]


def read_database(node: LiveNode, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs `work(session)` on the node's own database, with the node's storage code."""
    return query_database(node.data_dir, node.env, work)


def stored_object(node: LiveNode, iri: str) -> StoredObject | None:
    return read_database(node, lambda session: objects.get(session, iri))


def inbox_rows(node: LiveNode) -> list[Json]:
    async def work(session: AsyncSession) -> list[Json]:
        rows = await session.scalars(select(InboxItemRow).order_by(InboxItemRow.id))
        return [
            {"activity": r.activity_iri, "type": r.type, "recipient": r.recipient}
            | {"state": r.state, "attempts": r.attempts, "last_error": r.last_error}
            for r in rows
        ]

    return read_database(node, work)


def delivery_rows(node: LiveNode) -> list[Json]:
    async def work(session: AsyncSession) -> list[Json]:
        rows = await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))
        return [
            {"activity": r.activity_iri, "inbox": r.inbox_url, "state": r.state}
            | {"attempts": r.attempts, "status": r.last_status, "last_error": r.last_error}
            for r in rows
        ]

    return read_database(node, work)


def posts_to(peer: FedifyPeer, node: LiveNode) -> list[Json]:
    """Every POST the peer's Fedify made to the node, with its signature scheme and status."""
    outgoing: list[Json] = peer.get("outgoing")["items"]
    return [
        r for r in outgoing if r["method"] == "POST" and r["url"].startswith(node.base_url + "/")
    ]


def evidence(node: LiveNode, *peers: FedifyPeer) -> str:
    """The node's log, inbox items and deliveries, and each peer's view: for failure messages."""
    rows = {"inbox_items": inbox_rows(node), "deliveries": delivery_rows(node)}
    parts = [node.process.output(), f"--- node database\n{json.dumps(rows, indent=1)}"]
    for peer in peers:
        name = peer.process.name
        parts += [
            f"--- {name} outgoing\n{json.dumps(peer.get('outgoing'), indent=1)[-6000:]}",
            f"--- {name} inbox\n{json.dumps(peer.inbox(), indent=1)[-6000:]}",
            f"--- {name} log\n{peer.log('debug')[-6000:]}",
        ]
    return "\n".join(parts)


def eventually(check: Callable[[], T | None], what: str, node: LiveNode, *peers: FedifyPeer) -> T:
    """Polls `check` until it returns something truthy; fails with both sides' evidence."""
    return wait_until(
        check,
        what,
        [node.process, *(peer.process for peer in peers)],
        NODE_TIMEOUT,
        interval=POLL_INTERVAL,
        evidence=lambda: evidence(node, *peers),
    )
