"""API bearer tokens: created as random secrets, stored only as SHA-256 digests; each with a
label, an optional expiry and its last use, listed and revoked by their organisation.

authenticate() is the only way a secret becomes an organisation: an exact lookup of its digest,
refused once the token expired or its organisation was deleted, and the use recorded.
"""

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


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of a token: never its secret, which only its creator saw once."""

    id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True)
class Issued:
    info: TokenInfo
    secret: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row: TokenRow) -> TokenInfo:
    return TokenInfo(row.id, row.label, row.created_at, row.expires_at, row.last_used_at)


async def issue(
    session: AsyncSession,
    actor_id: int,
    label: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> Issued:
    """Store a new token for the actor; its secret is returned here and never again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = TokenRow(
        actor_id=actor_id,
        token_hash=hash_token(secret),
        label=label,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return Issued(_info(row), secret)


async def create(
    session: AsyncSession,
    actor_id: int,
    label: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> str:
    """issue(), for callers that want the secret alone."""
    return (await issue(session, actor_id, label, now, expires_at)).secret


async def list_for(session: AsyncSession, actor_id: int) -> list[TokenInfo]:
    """The organisation's tokens, oldest first (expired ones too, until revoked)."""
    rows = await session.scalars(
        select(TokenRow).where(TokenRow.actor_id == actor_id).order_by(TokenRow.id)
    )
    return [_info(row) for row in rows]


async def revoke(session: AsyncSession, actor_id: int, token_id: int) -> bool:
    """Delete one of the organisation's tokens; False when it has none with that id."""
    result = await session.execute(
        delete(TokenRow)
        .where(TokenRow.id == token_id, TokenRow.actor_id == actor_id)
        .returning(TokenRow.id)
    )
    return result.first() is not None


async def authenticate(session: AsyncSession, token: str, now: datetime) -> LocalActor:
    """The organisation a bearer token belongs to; Unauthorized if unknown, expired or its
    organisation was deleted. Records the use."""
    actor, _label = await identify(session, token, now)
    return actor


async def identify(session: AsyncSession, token: str, now: datetime) -> tuple[LocalActor, str]:
    """The actor a bearer token belongs to (an organisation, or the instance actor for a node
    admin's token) and the token's label; Unauthorized if unknown, expired or deleted.
    Records the use."""
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
    if token_row.expires_at is not None and token_row.expires_at <= now:
        raise Unauthorized("the token expired; create a new one")
    token_row.last_used_at = now
    return to_view(actor_row), token_row.label
