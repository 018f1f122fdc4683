"""Who administers the node: admins by email (`solidarity-node admin add EMAIL`), the people
whose workspace sign-in opens the admin pages. Adding and removing one is a transaction with
its audit entry. At most MAX_ADMINS are listed; an email is normalised (trimmed, lower case)
the way the workspace normalises a member's.
"""

from __future__ import annotations

from node.errors import InvalidInput, NotFound
from node.federation.runtime import Runtime
from node.storage import audit
from node.storage import node_admins as stored
from node.storage.audit import Who
from node.storage.node_admins import MAX_ADMINS, NodeAdmin

MAX_EMAIL = 320


def clean_email(email: str) -> str:
    text = email.strip().lower()
    name, at, domain = text.rpartition("@")
    if not at or not name or "." not in domain or len(text) > MAX_EMAIL or " " in text:
        raise InvalidInput(f"{email!r} is not an email address")
    return text


async def add(node: Runtime, email: str, who: Who) -> NodeAdmin:
    """Make `email` a node admin (again: nothing changes, nothing is logged)."""
    address = clean_email(email)
    now = node.clock.now()
    async with node.db.transaction() as session:
        found = await stored.get(session, address)
        if found is not None:
            return found
        if await stored.count(session) >= MAX_ADMINS:
            raise InvalidInput(f"a node has at most {MAX_ADMINS} admins")
        admin = await stored.add(session, address, str(who), now)
        await audit.record(session, who, "admin.add", address, now)
    return admin


async def remove(node: Runtime, email: str, who: Who) -> None:
    address = clean_email(email)
    now = node.clock.now()
    async with node.db.transaction() as session:
        if not await stored.remove(session, address):
            raise NotFound(f"{address} is not a node admin")
        await audit.record(session, who, "admin.remove", address, now)


async def listed(node: Runtime) -> list[NodeAdmin]:
    async with node.db.transaction() as session:
        return await stored.listed(session)


async def is_admin(node: Runtime, email: str) -> bool:
    """Whether a signed-in member's email is a node admin's (for the admin pages)."""
    async with node.db.transaction() as session:
        return await stored.is_admin(session, email.strip().lower())
