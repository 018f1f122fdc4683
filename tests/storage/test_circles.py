"""Circles in storage, on SQLite and PostgreSQL: names unique per organisation, members once
each, and a deleted circle takes its members with it and leaves the ally records that named it
passing nothing on (ON DELETE SET NULL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from node.federation.runtime import Runtime
from node.storage import actors, allies, circles

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ROSA = "https://remote.test/users/rosa"
SAM = "https://remote.test/users/sam"


async def test_members_are_kept_once_in_order(node: Runtime, alpha: str) -> None:
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
        made = await circles.create(session, org.id, "trusted", NOW)
        assert await circles.add_members(session, made.id, [ROSA, SAM, ROSA], NOW) == 2
        assert await circles.add_members(session, made.id, [SAM], NOW) == 0
        assert await circles.remove_members(session, made.id, [ROSA, "x"], NOW) == 1
        found = await circles.named(session, org.id, "trusted")
    assert found is not None and found.members == (SAM,)


async def test_a_name_is_unique_per_organisation(node: Runtime, alpha: str) -> None:
    with pytest.raises(IntegrityError):
        async with node.db.transaction() as session:
            org = await actors.by_username(session, "alpha")
            await circles.create(session, org.id, "trusted", NOW)
            await circles.create(session, org.id, "trusted", NOW)


async def test_deleting_a_circle_clears_the_ally_records_naming_it(
    node: Runtime, alpha: str
) -> None:
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
        made = await circles.create(session, org.id, "onward", NOW)
        await circles.add_members(session, made.id, [ROSA], NOW)
        ally, _ = await allies.put(session, org.id, SAM, "auto", [], [], NOW, made.id)
        assert ally.circle_id == made.id
    async with node.db.transaction() as session:
        await circles.delete_circle(session, made.id)
    async with node.db.transaction() as session:
        assert await circles.of_actor(session, org.id) == []
        found = await allies.of_pair(session, org.id, SAM)
    assert found is not None and found.circle_id is None
