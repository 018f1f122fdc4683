"""Circles between full nodes in one process (support.network): organisations named after
their node, allies and circles made through the API, circle calls published and looked for.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from node.publication import Visibility
from node.storage import amplifications, objects, signed_objects
from node.storage.objects import StoredObject
from node.storage.tables import InboxItemRow, ObjectRow, ReactionRow
from tests.support.network import Member, Network


def org(member: Member) -> str:
    return member.host.split(".")[0] + "org"


async def nodes(network: Network, *names: str) -> list[Member]:
    found = []
    for name in names:
        member = await network.add(name)
        await member.add_org(name + "org")
        found.append(member)
    return found


async def ally(member: Member, other: Member, amplify: str = "auto", **extra: Any) -> None:
    body = {"actor": other.handle(org(other)), "amplify": amplify} | extra
    made = await member.api("POST", "/allies", org(member), json=body)
    assert made.status_code in (200, 201), made.text


async def circle(member: Member, name: str, *others: Member) -> None:
    body = {"name": name, "members": [other.handle(org(other)) for other in others]}
    made = await member.api("POST", "/circles", org(member), json=body)
    assert made.status_code == 201, made.text


async def circle_call(
    network: Network, origin: Member, name: str = "trusted", **extra: Any
) -> tuple[str, str]:
    deadline = (network.clock.now() + timedelta(days=3)).isoformat()
    body = {
        "title": "Safe house needed tonight",
        "content": "Three people, two nights.",
        "urgency": "critical",
        "deadline": deadline,
        "visibility": "circle",
        "circle": name,
    } | extra
    made = await origin.api("POST", "/calls", org(origin), json=body)
    assert made.status_code == 201, made.text
    iri: str = made.json()["id"]
    return iri, iri.rsplit("/", 1)[-1]


async def held(member: Member, iri: str) -> StoredObject | None:
    """The call as this node stores it (None when it never got it)."""
    async with member.node.db.transaction() as session:
        return await objects.get(session, iri)


async def holds_live(member: Member, iri: str) -> bool:
    stored = await held(member, iri)
    return stored is not None and stored.deleted_at is None


async def signed_copy(member: Member, iri: str) -> signed_objects.SignedObject | None:
    async with member.node.db.transaction() as session:
        return await signed_objects.get(session, iri)


async def hops_sent(member: Member, iri: str) -> list[int]:
    async with member.node.db.transaction() as session:
        rows = await amplifications.of_object(session, iri)
    return [row.hop for row in rows if row.state == amplifications.SENT]


async def kept_of(member: Member, iri: str) -> list[str]:
    """What this node kept of the call: the object, its signed copy, reactions to it."""
    return [line for line in await trace_of(member, iri) if not line.startswith("inbox item")]


async def trace_of(member: Member, iri: str) -> list[str]:
    """Anything of the call on this node: the object, its signed copy, reactions to it, and
    received activities naming it."""
    found = []
    if await signed_copy(member, iri) is not None:
        found.append("signed copy")
    async with member.node.db.transaction() as session:
        for row in await session.scalars(select(ObjectRow.iri).where(ObjectRow.iri == iri)):
            found.append(f"object {row}")
        for row in await session.scalars(
            select(ReactionRow.activity_iri).where(ReactionRow.object_iri == iri)
        ):
            found.append(f"reaction {row}")
        for item in await session.scalars(select(InboxItemRow)):
            if iri in str(item.document):
                found.append(f"inbox item {item.activity_iri}")
    return found


def is_circle(stored: StoredObject | None) -> bool:
    return stored is not None and stored.visibility is Visibility.CIRCLE
