"""The demo content, on SQLite and PostgreSQL: an organisation with two strategies and two
calls (due in days, by the node's clock), created once; seeding again changes nothing."""

from __future__ import annotations

from datetime import timedelta

from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import demo, organisations
from node.storage import objects


async def test_the_demo_is_seeded_once(node: Runtime) -> None:
    assert await demo.seed(node)
    org = await organisations.get(node.db, demo.ORG)
    assert (org.display_name, org.summary) == (demo.DISPLAY_NAME, demo.SUMMARY)
    async with node.db.transaction() as session:
        listed = await objects.published_by(session, org.id)
    kinds = sorted(item.kind for item in listed if item.kind is not None)
    assert kinds == [Kind.CALL, Kind.CALL, Kind.STRATEGY, Kind.STRATEGY]
    deadlines = sorted(item.fields.deadline for item in listed if item.fields.deadline)
    assert deadlines == [node.clock.now() + timedelta(days=d) for d in (5, 14)]

    assert not await demo.seed(node)
    async with node.db.transaction() as session:
        assert len(await objects.published_by(session, org.id)) == 4
    assert [o.username for o in await organisations.list_all(node.db)] == [demo.ORG]
