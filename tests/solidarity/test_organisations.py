"""Local actors and tokens against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.clock import FrozenClock
from node.errors import InvalidInput, NotFound, Unauthorized
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import actors, tokens


async def test_organisation_round_trip(node: Runtime, alpha: str) -> None:
    found = await organisations.get(node.db, "alpha")
    assert found.display_name == "Alpha Collective"
    assert found.created_at == node.clock.now()
    assert found.created_at.tzinfo is not None
    assert "BEGIN PUBLIC KEY" in found.public_key_pem
    assert "PRIVATE KEY" in found.private_key_pem
    assert [o.username for o in await organisations.list_all(node.db)] == ["alpha"]


async def test_names_are_unique_valid_and_not_the_instance_actor(node: Runtime, alpha: str) -> None:
    with pytest.raises(InvalidInput, match="already taken"):
        await organisations.create_organisation(node.db, node.clock, node.urls, "alpha")
    for bad in ("Alpha", "-x", "a b", "", "x" * 31, "é"):
        with pytest.raises(InvalidInput, match="not a valid organisation name"):
            await organisations.create_organisation(node.db, node.clock, node.urls, bad)
    with pytest.raises(InvalidInput, match="reserved"):
        await organisations.create_organisation(node.db, node.clock, node.urls, "node.test")
    with pytest.raises(InvalidInput, match="display name"):
        await organisations.create_organisation(node.db, node.clock, node.urls, "b", "x" * 101)


async def test_instance_actor_is_created_once(node: Runtime) -> None:
    first = await ensure_instance_actor(node.db, node.clock, node.urls)
    second = await ensure_instance_actor(node.db, node.clock, node.urls)
    assert first.id == second.id and first.kind == "application"
    assert await organisations.list_all(node.db) == []


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
