"""An organisation's API tokens as its owners manage them in the workspace: create (shown
once), list (label, created, last used), revoke."""

from __future__ import annotations

from node.errors import NotFound
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import tokens
from node.storage.actors import LocalActor
from node.storage.tokens import TokenInfo

MAX_LABEL = 100


async def create(node: Runtime, org: LocalActor, label: str) -> str:
    return await organisations.create_token(
        node.db, node.clock, org.username, label.strip()[:MAX_LABEL] or "workspace"
    )


async def of(node: Runtime, org: LocalActor) -> list[TokenInfo]:
    async with node.db.transaction() as session:
        return await tokens.list_of(session, org.id)


async def revoke(node: Runtime, org: LocalActor, token_id: int) -> None:
    async with node.db.transaction() as session:
        if not await tokens.revoke(session, org.id, token_id):
            raise NotFound(f"{org.username} has no token {token_id}")
