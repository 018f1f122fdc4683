"""What an organisation reads, on SQLite and PostgreSQL: the strategies and calls of those it
follows as typed items linking to their pages (expired calls still listed, marked), and search,
which refuses an empty or overlong query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.clock import FrozenClock
from node.errors import InvalidInput
from node.federation.runtime import Runtime
from node.solidarity import organisations, timeline
from node.storage import follows, objects
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject
from node.storage.search import Filters
from tests.support.content import content

BOB = "https://remote.test/users/bob"


async def received(node: Runtime, key: str, document: dict[str, Any], **given: Any) -> StoredObject:
    iri = f"{BOB}/calls/{key}"
    async with node.db.transaction() as session:
        return await objects.put(
            session,
            iri=iri,
            actor_iri=BOB,
            content=content(**given),
            document={"id": iri} | document,
            published=node.clock.now(),
            now=node.clock.now(),
        )


def test_an_item_links_to_the_objects_page_when_it_names_one() -> None:
    def stored(url: object) -> StoredObject:
        return StoredObject(
            id=1,
            iri="https://remote.test/calls/1",
            actor_iri=BOB,
            local_actor_id=None,
            key=None,
            content=content(),
            document={"url": url},
            source=None,
            published=datetime(2026, 11, 21, tzinfo=UTC),
            updated_at=None,
            deleted_at=None,
            pinned_at=None,
        )

    assert timeline.object_url(stored("https://remote.test/@bob/1")) == "https://remote.test/@bob/1"
    link = {"type": "Link", "href": "http://remote.test/p/1"}
    assert timeline.object_url(stored(link)) == "http://remote.test/p/1"
    for unusable in (None, "javascript:alert(1)", ["https://x"], {"href": 7}):
        assert timeline.object_url(stored(unusable)) == "https://remote.test/calls/1"


async def test_the_timeline_holds_what_followed_actors_publish_expired_calls_marked(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    async with node.db.transaction() as session:
        await follows.put(session, alpha, BOB, ACCEPTED, None, clock.now())
    soon = await received(
        node,
        "soon",
        {"url": "https://remote.test/@bob/soon"},
        title="Soon",
        deadline=clock.now() + timedelta(hours=1),
    )
    clock.advance(timedelta(minutes=1))
    later = await received(
        node, "later", {}, title="Later", deadline=clock.now() + timedelta(days=2)
    )
    clock.advance(timedelta(hours=2))

    found = await timeline.timeline(node, org, Filters())

    assert [item.id for item in found.items] == [later.iri, soon.iri]
    newest, oldest = found.items
    assert (newest.expired, oldest.expired) == (False, True)
    assert (oldest.url, oldest.author, oldest.type) == (
        "https://remote.test/@bob/soon",
        BOB,
        "Note",
    )
    assert oldest.fields.title == "Soon" and found.next is None
    paged = await timeline.timeline(node, org, Filters(), limit=1)
    assert len(paged.items) == 1 and paged.next is not None


async def test_search_finds_words_and_refuses_empty_or_long_queries(
    node: Runtime, alpha: str
) -> None:
    org = await organisations.get(node.db, "alpha")
    wanted = await received(node, "k", {}, title="Dock workers strike", body_text="Strike fund")
    await received(node, "other", {}, title="Housing")
    found = await timeline.search(node, org, "dock strike", Filters())
    assert [item.id for item in found.items] == [wanted.iri]
    with pytest.raises(InvalidInput, match="'q' is required"):
        await timeline.search(node, org, "  ", Filters())
    with pytest.raises(InvalidInput, match="'q' is longer than 200 characters"):
        await timeline.search(node, org, "x" * 201, Filters())
