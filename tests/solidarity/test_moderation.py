"""Domain blocks made by this process, on SQLite and PostgreSQL: stored, and the inbox's copy
renewed at once, so the next request from the domain (or a subdomain) is refused without
waiting for the refresh; lifting one works the same way."""

from __future__ import annotations

from node.federation.runtime import Runtime
from node.solidarity import moderation
from node.storage import hosts

HOSTS = {"spam.example", "a.spam.example", "spam.example:8443", "notspam.example"}


async def test_a_block_applies_at_once_and_so_does_lifting_it(node: Runtime) -> None:
    assert await node.domain_blocks.blocked_among(HOSTS) == set()  # read and kept

    block = await moderation.block_domain(node, "Spam.Example", "spam")

    assert (block.domain, block.reason) == ("spam.example", "spam")
    assert await node.domain_blocks.blocked_among(HOSTS) == HOSTS - {"notspam.example"}
    async with node.db.transaction() as session:
        assert [b.domain for b in await hosts.list_blocks(session)] == ["spam.example"]

    assert await moderation.unblock_domain(node, "spam.example")
    assert await node.domain_blocks.blocked_among(HOSTS) == set()
    assert not await moderation.unblock_domain(node, "spam.example")
