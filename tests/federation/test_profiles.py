"""What the node publishes about its actors, on SQLite and PostgreSQL: an organisation's
document (a Tombstone once deleted), its collections and their pages, the instance actor's,
and the counts and publications its profile page shows."""

from __future__ import annotations

import pytest

from node.errors import InvalidInput
from node.federation import profiles
from node.federation.runtime import Runtime
from node.solidarity import organisations, publishing, validation
from node.storage import actors, follows
from node.storage.follows import ACCEPTED

STRATEGY = {"title": "Observers", "content": "Watch."}


async def test_an_organisations_document_and_its_tombstone(node: Runtime, alpha: str) -> None:
    document = await profiles.actor_document(node, "alpha")
    assert (document["id"], document["type"], document["name"]) == (
        alpha,
        "Organization",
        "Alpha Collective",
    )
    assert document["icon"]["url"] == "https://node.test/static/avatar.png"
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    with pytest.raises(profiles.Deleted) as deleted:
        await profiles.actor_document(node, "alpha")
    tombstone = deleted.value.tombstone
    assert (tombstone["id"], tombstone["type"], tombstone["formerType"]) == (
        alpha,
        "Tombstone",
        "Organization",
    )
    with pytest.raises(profiles.Deleted):
        await profiles.collection_document(node, "alpha", "outbox", None)


async def test_collections_count_and_page_what_the_organisation_published(
    node: Runtime, alpha: str
) -> None:
    org = await organisations.get(node.db, "alpha")
    for _ in range(21):
        await publishing.publish(node, org, validation.strategy(STRATEGY))
    outbox = await profiles.collection_document(node, "alpha", "outbox", None)
    assert (outbox["totalItems"], outbox["first"], outbox["last"]) == (
        21,
        f"{alpha}/outbox?page=1",
        f"{alpha}/outbox?page=2",
    )
    second = await profiles.collection_document(node, "alpha", "outbox", 2)
    assert len(second["orderedItems"]) == 1 and second["prev"] == f"{alpha}/outbox?page=1"
    assert "next" not in second
    featured = await profiles.collection_document(node, "alpha", "featured", 1)
    assert featured["orderedItems"] == [] and featured["totalItems"] == 0
    assert len(await profiles.publications(node, org)) == 20  # the profile shows the latest


async def test_follow_counts_are_of_accepted_follows(node: Runtime, alpha: str) -> None:
    org = await organisations.get(node.db, "alpha")
    async with node.db.transaction() as session:
        for n in range(3):
            await follows.put(
                session, f"https://r.test/u/{n}", alpha, ACCEPTED, None, node.clock.now()
            )
        await follows.put(session, alpha, "https://r.test/u/0", ACCEPTED, None, node.clock.now())
        await follows.put(session, alpha, "https://r.test/u/1", "pending", None, node.clock.now())
    assert await profiles.follow_counts(node, org) == (3, 1)


async def test_the_instance_actor_has_an_empty_outbox(node: Runtime) -> None:
    actor = await profiles.instance_actor_document(node)
    assert (actor["id"], actor["type"], actor["preferredUsername"]) == (
        "https://node.test/actor",
        "Application",
        "node.test",
    )
    outbox = await profiles.instance_outbox(node, None)
    page = await profiles.instance_outbox(node, 1)
    assert (outbox["totalItems"], page["orderedItems"]) == (0, [])


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.5", "1000001", ""])
def test_a_page_is_a_positive_whole_number(raw: str) -> None:
    with pytest.raises(InvalidInput, match="page must be a positive whole number"):
        profiles.parse_page(raw)


def test_pages_that_are_read() -> None:
    assert profiles.parse_page(None) is None
    assert profiles.parse_page("1") == 1 and profiles.parse_page("1000000") == 1_000_000
