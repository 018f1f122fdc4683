"""A member's notifications: follow requests waiting for an answer, amplifications waiting for
a decision, replies and pledges received, and deliveries failing for a day, newest first.

They are read from the rows that are the facts themselves (see storage.notification_sources);
a member's `notifications_seen_at` splits them into unread and read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from node.federation.runtime import Runtime
from node.storage import amplifications, follows, notification_sources, objects
from node.storage.actors import LocalActor
from node.storage.follows import PENDING
from node.storage.members import Member

FAILING_FOR = timedelta(days=1)
LIMIT = 50
FOLLOW_REQUEST = "follow_request"
AMPLIFICATION = "amplification"
REPLY = "reply"
PLEDGE = "pledge"
DELIVERY = "delivery"


@dataclass(frozen=True)
class Notification:
    kind: str
    at: datetime
    subject: str  # who: an actor IRI, or the failing host
    about: str  # what: a publication's title, or the last delivery error
    link: str  # where to act on it or read it
    unread: bool = True


async def of(node: Runtime, org: LocalActor, member: Member) -> list[Notification]:
    org_iri = node.urls.actor(org.username)
    now = node.clock.now()
    found: list[Notification] = []
    async with node.db.transaction() as session:
        for follow in await follows.list_by_target(session, org_iri):
            if follow.state == PENDING:
                link = node.urls.workspace(f"/{org.username}/follows")
                found.append(
                    Notification(FOLLOW_REQUEST, follow.created_at, follow.follower_iri, "", link)
                )
        for row in await amplifications.pending_of(session, org.id):
            call = await objects.get(session, row.object_iri)
            title = (call.fields.title if call else None) or row.object_iri
            link = node.urls.workspace(f"/{org.username}/amplifications")
            found.append(
                Notification(AMPLIFICATION, row.created_at, row.through_iri or "", title, link)
            )
        for reply, parent in await notification_sources.replies_received(
            session, org.id, org_iri, LIMIT
        ):
            kind = PLEDGE if reply.content.is_pledge else REPLY
            title = parent.fields.title or parent.iri
            found.append(Notification(kind, reply.published, reply.actor_iri, title, reply.iri))
        for host in await notification_sources.failing_hosts(session, org.id, now - FAILING_FOR):
            link = node.urls.workspace(f"/{org.username}")
            found.append(Notification(DELIVERY, host.since, host.host, host.last_error or "", link))
    seen = member.notifications_seen_at
    found.sort(key=lambda n: n.at, reverse=True)
    return [
        Notification(n.kind, n.at, n.subject, n.about, n.link, seen is None or n.at > seen)
        for n in found[:LIMIT]
    ]


async def unread_count(node: Runtime, org: LocalActor, member: Member) -> int:
    return sum(n.unread for n in await of(node, org, member))
