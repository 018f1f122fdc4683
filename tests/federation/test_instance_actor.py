"""The instance actor: created once with its keys, never listed among the organisations."""

from __future__ import annotations

from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime
from node.solidarity import organisations


async def test_instance_actor_is_created_once(node: Runtime) -> None:
    first = await ensure_instance_actor(node.db, node.clock, node.urls)
    second = await ensure_instance_actor(node.db, node.clock, node.urls)
    assert first.id == second.id and first.kind == "application"
    assert await organisations.list_all(node.db) == []
