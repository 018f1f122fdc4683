"""API tokens on SQLite and PostgreSQL: stored only as digests, authenticating their
organisation (and its last use), refused once the organisation is deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.clock import FrozenClock
from node.errors import NotFound, Unauthorized
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import actors, tokens


async def test_tokens_are_stored_hashed_and_authenticate(node: Runtime, alpha: str) -> None:
    token = await organisations.create_token(node.db, node.clock, "alpha", "laptop")
    assert token.startswith("sn_") and len(token) > 40
    assert isinstance(node.clock, FrozenClock)
    node.clock.advance(timedelta(minutes=5))
    async with node.db.transaction() as session:
        actor = await tokens.authenticate(session, token, node.clock.now())
        assert actor.username == "alpha"
        with pytest.raises(Unauthorized):
            await tokens.authenticate(session, token + "x", node.clock.now())
    async with node.db.transaction() as session:
        from sqlalchemy import select

        from node.storage.tables import TokenRow

        row = (await session.scalars(select(TokenRow))).one()
        assert row.token_hash == tokens.hash_token(token) and token not in row.token_hash
        assert row.last_used_at == node.clock.now()
        await actors.mark_deleted(session, "alpha", node.clock.now())
    async with node.db.transaction() as session:
        with pytest.raises(Unauthorized, match="deleted"):
            await tokens.authenticate(session, token, node.clock.now())
    with pytest.raises(NotFound):
        await organisations.create_token(node.db, node.clock, "nobody")
