"""An organisation's API tokens as its owners manage them in the workspace: create (shown
once), list (label, created, expiry, last used), revoke; the rules are organisations'. Creating
and revoking are audited with the member who did it."""

from __future__ import annotations

from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage.actors import LocalActor
from node.storage.audit import Who
from node.storage.tokens import TokenInfo

MAX_LABEL = 100


async def create(node: Runtime, org: LocalActor, label: str, who: Who) -> str:
    return await organisations.create_token(
        node.db, node.clock, org.username, label.strip()[:MAX_LABEL] or "workspace", who=who
    )


async def of(node: Runtime, org: LocalActor) -> list[TokenInfo]:
    return await organisations.list_tokens(node.db, org.username)


async def revoke(node: Runtime, org: LocalActor, token_id: int, who: Who) -> None:
    await organisations.revoke_token(node.db, org.username, token_id, who=who, clock=node.clock)
