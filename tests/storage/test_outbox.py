"""What local actors published, on SQLite and PostgreSQL: public and unlisted activities in the
outbox newest first, pinned objects in `featured`, a deleted object's activities gone with it,
and the figures NodeInfo reports."""

from __future__ import annotations

from datetime import timedelta

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import objects, outbox
from node.storage.actors import LocalActor
from tests.support.content import content


async def record(node: Runtime, org: LocalActor, n: int, visibility: str, obj: str) -> None:
    async with node.db.transaction() as session:
        await outbox.record(
            session,
            iri=f"https://node.test/activities/{n}",
            actor_id=org.id,
            type="Create",
            object_iri=obj,
            visibility=visibility,
            document={"id": f"https://node.test/activities/{n}"},
            published=node.clock.now(),
        )


async def test_the_outbox_holds_listed_activities_newest_first(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    for n, visibility in enumerate(("public", "followers", "unlisted", "direct", "public")):
        await record(node, org, n, visibility, f"https://node.test/calls/{n % 2}")
        clock.advance(timedelta(minutes=1))
    async with node.db.transaction() as session:
        assert await outbox.count_outbox(session, org.id) == 3
        page = await outbox.outbox_page(session, org.id, 0, 2)
        rest = await outbox.outbox_page(session, org.id, 2, 2)
        await outbox.forget_object(session, "https://node.test/calls/0")
        assert await outbox.count_outbox(session, org.id) == 0  # 0, 2 and 4 named calls/0
    assert [d["id"][-1] for d in page + rest] == ["4", "2", "0"]


async def test_featured_holds_pinned_listed_live_objects(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    async with node.db.transaction() as session:
        for key, visibility in (("a", "public"), ("b", "followers"), ("c", "unlisted")):
            iri = f"https://node.test/calls/{key}"
            await objects.put(
                session,
                iri=iri,
                actor_iri=alpha,
                content=content(visibility=visibility),
                document={"id": iri},
                published=clock.now(),
                now=clock.now(),
                local_actor_id=org.id,
                key=key,
            )
            await objects.set_pinned(session, iri, clock.now() + timedelta(minutes=ord(key)))
        await objects.tombstone(session, "https://node.test/calls/c", {}, clock.now())
        assert await outbox.count_featured(session, org.id) == 1
        assert await outbox.featured_page(session, org.id, 0, 10) == [
            {"id": "https://node.test/calls/a"}
        ]
        assert await outbox.count_local_posts(session) == 2


async def test_active_publishers_are_those_who_sent_something_since(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    beta = await organisations.create_organisation(node.db, clock, node.urls, "beta")
    await record(node, org, 1, "public", "https://node.test/calls/1")
    clock.advance(timedelta(days=40))
    await record(node, beta, 2, "direct", "https://node.test/calls/2")
    async with node.db.transaction() as session:
        assert await outbox.count_active_publishers(session, clock.now() - timedelta(days=30)) == 1
        assert await outbox.count_active_publishers(session, clock.now() - timedelta(days=60)) == 2
