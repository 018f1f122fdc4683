"""Closing calls at their deadline: the worker's `closing` lane sends each local call's Update,
marked `closed` and signed anew (FEP-8b32), once its deadline has passed, to everyone its
Create went to (and, for a circle call, along the path its Announces took), so followers'
servers show the call closed. The call's own deliveries stop being retried at that moment
already (their rows expire, node.federation.delivery_queue). A call is closed once: the
Update, its outbox entry, its delivery rows and `closed_at` commit together.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from node.activitypub import render_activities
from node.activitypub.render_publications import closed_call
from node.federation import forwarding, proofs, relays, sending
from node.federation.runtime import Runtime
from node.storage import actors, objects, outbox
from node.storage.objects import StoredObject

log = logging.getLogger("node.closing")
RECHECK = timedelta(seconds=1)


class ClosingQueue:
    """The node.workers.Queue of local calls past their deadline. The earliest deadline is read
    at most once per RECHECK of the node's clock while it lies ahead (a call published
    meanwhile with an earlier one is seen within RECHECK), so a cycle costs nothing then."""

    name = "closing"

    def __init__(self, node: Runtime) -> None:
        self.node = node
        self._next: datetime | None = None
        self._read_at: datetime | None = None

    async def run_once(self, limit: int) -> int:
        node = self.node
        now = node.clock.now()
        if self._fresh(now) and (self._next is None or self._next > now):
            return 0
        async with node.db.transaction() as session:
            due = await objects.calls_to_close(session, now, limit)
        for call in due:
            await close(node, call)
        if due:
            node.wake_worker()
        self._read_at = None  # what is next is read again
        await self.next_due()
        return len(due)

    async def next_due(self) -> datetime | None:
        now = self.node.clock.now()
        if not self._fresh(now):
            async with self.node.db.transaction() as session:
                self._next = await objects.next_deadline(session)
            self._read_at = now
        return self._next

    def _fresh(self, now: datetime) -> bool:
        return self._read_at is not None and now - self._read_at < RECHECK


async def close(node: Runtime, call: StoredObject) -> None:
    """Send the call's closing Update (a deleted call is only set aside)."""
    now = node.clock.now()
    async with node.db.transaction() as session:
        await objects.mark_closed(session, call.iri, now)
        if call.deleted_at is not None or call.local_actor_id is None:
            return
        org = await actors.by_id(session, call.local_actor_id)
        closed = closed_call(call.document, call.fields.deadline or now, now)
        document = proofs.sign_as(node, org, closed)  # the object's own proof covers `closed`
        update = render_activities.wrap(
            "Update", f"{call.iri}/updates/{uuid.uuid4().hex}", document
        )
        await objects.put(
            session,
            iri=call.iri,
            actor_iri=call.actor_iri,
            content=call.content,
            document=document,
            published=call.published,
            now=now,
            local_actor_id=org.id,
            key=call.key,
            source=call.source,
        )
        await outbox.record(
            session,
            iri=update["id"],
            actor_id=org.id,
            type="Update",
            object_iri=call.iri,
            visibility=call.visibility,
            document=update,
            published=now,
        )
        to_relays = await relays.inboxes_in(session, call.fields)
        path = await forwarding.announce_inboxes(session, node, call.iri)
        await sending.queue(
            session,
            node,
            org,
            update,
            extra_inboxes=[*to_relays, *path],
            urgency=call.fields.urgency,
        )
    log.info("closed %s at its deadline", call.iri)
