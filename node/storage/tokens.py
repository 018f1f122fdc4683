"""API bearer tokens: created as random secrets, stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
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
    return to_view(actor_row)


# listing and revoking, for the web workspace's token page (web issue) -----------------------
# A separate part: the hostile-input issue adds listing, revocation and expiry here in parallel;
# these two functions are what the workspace needs and can give way to those at the merge.


@dataclass(frozen=True)
class TokenInfo:
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None


async def list_of(session: AsyncSession, actor_id: int) -> list[TokenInfo]:
    rows = await session.scalars(
        select(TokenRow).where(TokenRow.actor_id == actor_id).order_by(TokenRow.id)
    )
    return [TokenInfo(r.id, r.label, r.created_at, r.last_used_at) for r in rows]


async def revoke(session: AsyncSession, actor_id: int, token_id: int) -> bool:
    result = await session.execute(
        delete(TokenRow).where(TokenRow.id == token_id, TokenRow.actor_id == actor_id)
    )
    return bool(getattr(result, "rowcount", 0))
