"""API bearer tokens: created as random secrets, stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import Unauthorized
from node.storage.actors import LocalActor, to_view
from node.storage.tables import ActorRow, TokenRow

TOKEN_PREFIX = "sn_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create(session: AsyncSession, actor_id: int, label: str, now: datetime) -> str:
    """Store a new token for the actor and return it; it is never readable again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        TokenRow(actor_id=actor_id, token_hash=hash_token(token), label=label, created_at=now)
    )
    await session.flush()
    return token


async def authenticate(session: AsyncSession, token: str, now: datetime) -> LocalActor:
    """The organisation a bearer token belongs to; Unauthorized if unknown or deleted."""
    actor, _label = await identify(session, token, now)
    return actor


async def identify(session: AsyncSession, token: str, now: datetime) -> tuple[LocalActor, str]:
    """The actor a bearer token belongs to (an organisation, or the instance actor for a node
    admin's token) and the token's label; Unauthorized if unknown or deleted."""
    found = (
        await session.execute(
            select(TokenRow, ActorRow)
            .join(ActorRow, ActorRow.id == TokenRow.actor_id)
            .where(TokenRow.token_hash == hash_token(token))
        )
    ).first()
    if found is None:
        raise Unauthorized("unknown token")
    token_row, actor_row = found
    if actor_row.deleted_at is not None:
        raise Unauthorized("the token's organisation was deleted")
    token_row.last_used_at = now
    return to_view(actor_row), token_row.label
