"""Publishing on SQLite and PostgreSQL: what publish, revise, withdraw and pin store, the
document they render, the activity they queue and to which inboxes; and what they refuse.

Followers and mentioned actors live on remote.test (a RemoteHost with real actors and
WebFinger); what is queued is read back from the delivery rows the worker would send.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from node.activitypub.objects import ActivityView
from node.activitypub.vocabulary import PUBLIC
from node.clock import FrozenClock
from node.errors import InvalidInput, NotFound
from node.federation import following
from node.federation.runtime import Runtime
from node.publication import Kind, Urgency, Visibility
from node.solidarity import allies, amplification, organisations, publishing, validation
from node.storage import amplifications, cascade, objects, outbox
from node.storage.actors import LocalActor
from node.storage.amplifications import PENDING, WITHDRAWN
from tests.support.actors import FakeActor, RemoteHost
from tests.support.queued import inboxes, queued
from tests.support.who import TESTER

SHARED = "https://remote.test/inbox"
STRATEGY = {
    "title": "Legal observers at every action",
    "summary": "Observers in pairs deter abuse & document what happens.",
    "content": "## Why\n\nPolice behave differently when watched. #LegalSupport",
    "themes": ["legal_support"],
    "regions": ["pl"],
    "language": "pl",
}
CALL = {
    "title": "Fill the courtroom",
    "content": "Eleven activists stand trial.",
    "urgency": "high",
    "regions": ["PL", "Warsaw"],
    "actions": ["Come at 9:00", "Share this call"],
    "themes": ["court_support"],
    "deadline": "2026-11-26T09:00Z",
    "max_hops": 3,
}


@pytest.fixture
async def org(node: Runtime, alpha: str) -> LocalActor:
    return await organisations.get(node.db, "alpha")


@pytest.fixture
def woken(node: Runtime) -> list[bool]:
    found: list[bool] = []
    node.wake_worker = lambda: found.append(True)
    return found


@pytest.fixture
async def follower(node: Runtime, remote: RemoteHost, alpha: str) -> FakeActor:
    """bob@remote.test, an accepted follower of alpha (as its Follow would have made him)."""
    bob = remote.actor("bob")
    follow = {"id": f"{bob.iri}/follows/1", "type": "Follow", "actor": bob.iri, "object": alpha}
    await following.on_follow(node, ActivityView.from_document(follow))
    return bob


def strategy(**changes: Any) -> validation.Draft:
    return validation.strategy(STRATEGY | changes)


def call_draft(node: Runtime, **changes: Any) -> validation.Draft:
    return validation.call(CALL | changes, node.clock.now())


async def test_a_strategy_is_stored_rendered_and_sent_to_followers(
    node: Runtime, org: LocalActor, follower: FakeActor, woken: list[bool]
) -> None:
    stored = await publishing.publish(node, org, strategy())

    assert stored.key is not None
    assert stored.iri == f"https://node.test/strategies/{stored.key}"
    assert (stored.kind, stored.type, stored.local_actor_id) == (Kind.STRATEGY, "Article", org.id)
    assert stored.fields.title == STRATEGY["title"]
    assert stored.fields.summary == STRATEGY["summary"]
    assert (stored.fields.regions, stored.fields.language) == (("PL",), "pl")
    assert stored.source is not None and stored.source["content"] == STRATEGY["content"]
    document = stored.document
    assert document["type"] == "Article" and document["kind"] == "strategy"
    assert document["name"] == STRATEGY["title"]
    assert document["summary"] == "Observers in pairs deter abuse &amp; document what happens."
    assert document["attributedTo"] == node.urls.actor("alpha")
    assert (document["to"], document["cc"]) == ([PUBLIC], [node.urls.followers("alpha")])
    assert document["content"].startswith("<p><strong>Why</strong></p>")  # fits Mastodon
    assert document["contentMap"] == {"pl": document["content"]}
    hashtags = {tag["name"] for tag in document["tag"] if tag["type"] == "Hashtag"}
    assert hashtags == {"#LegalSupport"}  # the theme legal_support is the same hashtag
    assert document["replies"]["totalItems"] == 0

    (create,) = await queued(node, "Create")
    assert create.inbox == SHARED
    assert create.activity["id"] == f"{stored.iri}/activity"
    assert create.activity["actor"] == node.urls.actor("alpha")
    sent = create.activity["object"]  # as its author signed it, with its context and proof
    assert "proof" in sent and "https://w3id.org/security/data-integrity/v1" in sent["@context"]
    unsigned = {k: v for k, v in sent.items() if k not in ("@context", "proof")}
    assert unsigned == {k: v for k, v in document.items() if k not in ("@context", "proof")}
    async with node.db.transaction() as session:
        listed = await outbox.outbox_page(session, org.id, 0, 20)
    assert [entry["id"] for entry in listed] == [create.activity["id"]]
    assert woken == [True]


async def test_a_strategy_without_a_summary_opens_with_its_text(
    node: Runtime, org: LocalActor
) -> None:
    short = await publishing.publish(node, org, strategy(summary=None, content="Watch *them*."))
    assert short.fields.summary == "Watch them."
    long_text = "word " * 100
    long = await publishing.publish(node, org, strategy(summary=None, content=long_text))
    summary = long.fields.summary or ""
    assert len(summary) <= 300 and summary.endswith("…") and summary.startswith("word word")


async def test_a_call_is_a_note_that_says_everything_and_roots_its_cascade(
    node: Runtime, org: LocalActor, follower: FakeActor
) -> None:
    stored = await publishing.publish(node, org, call_draft(node))

    assert stored.iri == f"https://node.test/calls/{stored.key}"
    assert (stored.kind, stored.type) == (Kind.CALL, "Note")
    assert (stored.fields.urgency, stored.fields.max_hops) == (Urgency.HIGH, 3)
    document = stored.document
    assert document["type"] == "Note" and document["summary"] is None  # as Mastodon says
    assert (document["urgency"], document["maxHops"]) == ("high", 3)
    assert document["deadline"] == "2026-11-26T09:00:00Z"
    assert document["actions"] == CALL["actions"]
    for words in (
        "Call for solidarity: Fill the courtroom",
        "Eleven activists stand trial.",
        "High urgency",
        "Deadline: 26 November 2026, 09:00 UTC",
        "Regions: PL, Warsaw",
        "<li>Come at 9:00</li>",
        "#<span>CourtSupport</span>",
    ):
        assert words in document["content"], words
    (create,) = await queued(node, "Create")
    assert create.inbox == SHARED and create.activity["object"]["id"] == stored.iri
    async with node.db.transaction() as session:
        (root,) = await cascade.of_object(session, stored.iri)
    assert (root.type, root.activity_iri, root.hop) == ("Create", f"{stored.iri}/activity", 0)


async def test_each_visibility_is_addressed_and_delivered_as_mastodon_reads_it(
    node: Runtime, org: LocalActor, follower: FakeActor, remote: RemoteHost
) -> None:
    carol = remote.actor("carol")
    followers = node.urls.followers("alpha")
    expected = {
        Visibility.UNLISTED: ([followers], [PUBLIC, carol.iri], {SHARED, f"{carol.iri}/inbox"}),
        Visibility.FOLLOWERS: ([followers], [carol.iri], {SHARED, f"{carol.iri}/inbox"}),
        Visibility.DIRECT: ([carol.iri], [], {f"{carol.iri}/inbox"}),
    }
    for visibility, (to, cc, delivered) in expected.items():
        draft = call_draft(node, visibility=visibility.value, content="With @carol@remote.test")
        stored = await publishing.publish(node, org, draft)
        assert stored.visibility is visibility
        assert (stored.document["to"], stored.document["cc"]) == (to, cc), visibility
        sent = [q for q in await queued(node, "Create") if q.activity["object"]["id"] == stored.iri]
        assert inboxes(sent) == delivered, visibility
    async with node.db.transaction() as session:
        assert await outbox.count_outbox(session, org.id) == 1  # only the unlisted one


async def test_a_revision_goes_out_as_an_update_of_the_same_object(
    node: Runtime, org: LocalActor, follower: FakeActor, woken: list[bool], clock: FrozenClock
) -> None:
    stored = await publishing.publish(node, org, strategy())
    assert stored.key is not None
    clock.advance(timedelta(hours=1))
    woken.clear()

    revised = await publishing.revise(
        node, org, Kind.STRATEGY, stored.key, {"title": "Observers", "visibility": "public"}
    )

    assert (revised.iri, revised.published) == (stored.iri, stored.published)
    assert revised.fields.title == "Observers" and revised.updated_at == node.clock.now()
    assert revised.fields.summary == STRATEGY["summary"]  # what was not changed stays
    assert revised.document["name"] == "Observers"
    assert revised.document["updated"] == "2026-11-21T13:00:00Z"
    assert revised.source is not None and revised.source["title"] == "Observers"
    (update,) = await queued(node, "Update")
    assert update.activity["id"].startswith(f"{stored.iri}/updates/")
    assert update.activity["object"]["name"] == "Observers" and update.inbox == SHARED
    assert woken == [True]


async def test_an_addressee_a_revision_removed_gets_a_delete_not_the_new_text(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    carol = remote.actor("carol")
    draft = call_draft(node, visibility="direct", content="For @carol@remote.test")
    stored = await publishing.publish(node, org, draft)
    assert stored.key is not None

    await publishing.revise(node, org, Kind.CALL, stored.key, {"content": "For nobody now."})

    assert [u.inbox for u in await queued(node, "Update")] == []  # nobody is addressed now
    (delete,) = await queued(node, "Delete")
    assert delete.inbox == f"{carol.iri}/inbox" and delete.activity["object"]["id"] == stored.iri


async def test_a_revision_cannot_change_visibility_nor_break_the_rules(
    node: Runtime, org: LocalActor
) -> None:
    stored = await publishing.publish(node, org, strategy())
    assert stored.key is not None
    with pytest.raises(InvalidInput, match="visibility cannot change after publication"):
        await publishing.revise(node, org, Kind.STRATEGY, stored.key, {"visibility": "followers"})
    with pytest.raises(InvalidInput, match="'title' is required"):
        await publishing.revise(node, org, Kind.STRATEGY, stored.key, {"title": " "})
    with pytest.raises(NotFound, match=f"alpha has no call {stored.key}"):
        await publishing.revise(node, org, Kind.CALL, stored.key, {"title": "x"})
    assert await queued(node, "Update") == []
    async with node.db.transaction() as session:
        unchanged = await objects.get(session, stored.iri)
    assert unchanged is not None and unchanged.document == stored.document


async def test_another_organisations_publications_are_not_found(
    node: Runtime, org: LocalActor
) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    stored = await publishing.publish(node, org, call_draft(node))
    assert stored.key is not None
    with pytest.raises(NotFound, match=f"beta has no call {stored.key}"):
        await publishing.revise(node, beta, Kind.CALL, stored.key, {"title": "Mine now"})
    with pytest.raises(NotFound, match=f"beta has no call {stored.key}"):
        await publishing.withdraw(node, beta, Kind.CALL, stored.key)
    with pytest.raises(NotFound, match=f"beta has no call {stored.key}"):
        await publishing.pin(node, beta, Kind.CALL, stored.key, True)
    async with node.db.transaction() as session:
        kept = await objects.get(session, stored.iri)
    assert kept is not None and kept.deleted_at is None and kept.pinned_at is None


async def test_withdrawing_leaves_a_tombstone_and_sends_a_delete(
    node: Runtime, org: LocalActor, follower: FakeActor
) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    await allies.add(node, beta, "alpha@node.test", allies.Policy("manual"), who=TESTER)
    stored = await publishing.publish(node, org, call_draft(node))
    assert stored.key is not None
    ((waiting, _),) = await amplification.pending(node, beta)
    assert waiting.state == PENDING

    await publishing.withdraw(node, org, Kind.CALL, stored.key)

    async with node.db.transaction() as session:
        gone = await objects.get(session, stored.iri)
        listed = await outbox.outbox_page(session, org.id, 0, 20)
        decided = await amplifications.get(session, waiting.id)
    assert gone is not None and gone.deleted_at == node.clock.now()
    assert gone.document["type"] == "Tombstone" and gone.document["formerType"] == "Note"
    assert listed == []  # its Create left the outbox
    assert decided is not None and decided.state == WITHDRAWN
    (delete,) = await queued(node, "Delete")
    assert delete.activity["object"] == {"id": stored.iri, "type": "Tombstone"}
    assert delete.inbox == SHARED
    with pytest.raises(NotFound, match=f"the call {stored.key} was deleted"):
        await publishing.withdraw(node, org, Kind.CALL, stored.key)
    with pytest.raises(NotFound, match="was deleted"):
        await publishing.revise(node, org, Kind.CALL, stored.key, {"title": "Back"})


async def test_pinning_and_unpinning_go_out_as_add_and_remove(
    node: Runtime, org: LocalActor, follower: FakeActor
) -> None:
    stored = await publishing.publish(node, org, strategy())
    assert stored.key is not None

    pinned = await publishing.pin(node, org, Kind.STRATEGY, stored.key, True)
    again = await publishing.pin(node, org, Kind.STRATEGY, stored.key, True)

    assert pinned.pinned_at == node.clock.now() and again.pinned_at == pinned.pinned_at
    (add,) = await queued(node, "Add")
    assert (add.activity["object"], add.activity["target"]) == (
        stored.iri,
        node.urls.featured("alpha"),
    )
    assert add.inbox == SHARED
    async with node.db.transaction() as session:
        featured = await outbox.featured_page(session, org.id, 0, 20)
    assert [document["id"] for document in featured] == [stored.iri]

    unpinned = await publishing.pin(node, org, Kind.STRATEGY, stored.key, False)
    assert unpinned.pinned_at is None
    (remove,) = await queued(node, "Remove")
    assert remove.activity["object"] == stored.iri


async def test_only_listed_publications_can_be_pinned(node: Runtime, org: LocalActor) -> None:
    stored = await publishing.publish(node, org, strategy(visibility="followers"))
    assert stored.key is not None
    with pytest.raises(InvalidInput, match="only public or unlisted publications can be pinned"):
        await publishing.pin(node, org, Kind.STRATEGY, stored.key, True)
    assert await queued(node, "Add") == []
