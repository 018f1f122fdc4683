"""Organisations on SQLite and PostgreSQL: created with their keys, names checked."""

from __future__ import annotations

import pytest

from node.errors import InvalidInput
from node.federation.runtime import Runtime
from node.solidarity import organisations


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
