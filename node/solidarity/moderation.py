"""Domain blocks made by this process: stored, and the inbox's in-memory copy renewed at once.

Blocks made by another process (the CLI) reach this one within storage.caches.BLOCKS_REFRESH.
"""

from __future__ import annotations

from node.federation.runtime import Runtime
from node.storage import hosts
from node.storage.hosts import DomainBlock


async def block_domain(node: Runtime, domain: str, reason: str) -> DomainBlock:
    async with node.db.transaction() as session:
        block = await hosts.block(session, domain, reason, node.clock.now())
    node.domain_blocks.invalidate()
    return block


async def unblock_domain(node: Runtime, domain: str) -> bool:
    async with node.db.transaction() as session:
        lifted = await hosts.unblock(session, domain)
    node.domain_blocks.invalidate()
    return lifted
