"""Domain blocks made by this process, on SQLite and PostgreSQL: stored, and the policy in
force renewed at once, so the next request from the domain (or a subdomain, or another port
of it) is refused without waiting for the refresh; lifting one works the same way."""

from __future__ import annotations

from node.errors import Forbidden
from node.federation import policy
from node.federation.runtime import Runtime
from node.solidarity import moderation
from node.storage import domain_blocks

BLOCKED = ("spam.example", "a.spam.example", "spam.example:8443")


async def refused(node: Runtime, host: str) -> bool:
    try:
        await policy.refuse_hosts(node, f"https://{host}/users/x")
    except Forbidden:
        return True
    return False


async def test_a_block_applies_at_once_and_so_does_lifting_it(node: Runtime) -> None:
    assert not any([await refused(node, host) for host in BLOCKED])  # read and kept

    block = await moderation.block_domain(node, "Spam.Example", "spam")

    assert (block.domain, block.fields.private_comment) == ("spam.example", "spam")
    assert all([await refused(node, host) for host in BLOCKED])
    assert not await refused(node, "notspam.example")
    async with node.db.transaction() as session:
        assert [b.domain for b in await domain_blocks.list_all(session)] == ["spam.example"]

    assert await moderation.unblock_domain(node, "spam.example")
    assert not any([await refused(node, host) for host in BLOCKED])
    assert not await moderation.unblock_domain(node, "spam.example")
