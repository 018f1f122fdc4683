"""Responses on SQLite and PostgreSQL: what came back for an organisation's publication
(replies, pledges, likes, announces), and pledging to a call, local or received: a public Note
replying to it, addressed to its author with a Mention, carrying `pledge: true`."""

from __future__ import annotations

import pytest

from node.activitypub.vocabulary import PUBLIC
from node.errors import InvalidInput, NotFound
from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import organisations, publishing, responses, validation
from node.storage import objects, reactions
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject
from tests.support.actors import FakeActor, RemoteHost
from tests.support.content import content
from tests.support.queued import queued

CALL = {"title": "Fill the court", "content": "Come.", "deadline": "2026-12-01T18:00Z"}


@pytest.fixture
async def org(node: Runtime, alpha: str) -> LocalActor:
    return await organisations.get(node.db, "alpha")


async def remote_call(node: Runtime, author: FakeActor, key: str) -> StoredObject:
    iri = f"{author.iri}/calls/{key}"
    async with node.db.transaction() as session:
        return await objects.put(
            session,
            iri=iri,
            actor_iri=author.iri,
            content=content(),
            document={"id": iri, "type": "Note"},
            published=node.clock.now(),
            now=node.clock.now(),
        )


async def reply(node: Runtime, iri: str, to: str, *, pledge: bool = False, **given: str) -> None:
    async with node.db.transaction() as session:
        await objects.put(
            session,
            iri=iri,
            actor_iri="https://remote.test/users/bob",
            content=content(kind=None, in_reply_to=to, is_pledge=pledge, **given),
            document={"id": iri, "content": f"<p>{iri}</p>"},
            published=node.clock.now(),
            now=node.clock.now(),
        )


async def test_what_came_back_for_a_call(node: Runtime, org: LocalActor) -> None:
    call = await publishing.publish(node, org, validation.call(CALL, node.clock.now()))
    assert call.key is not None
    await reply(node, "https://remote.test/notes/r", call.iri, language="pt")
    await reply(node, "https://remote.test/notes/p", call.iri, pledge=True)
    await reply(node, "https://remote.test/notes/dm", call.iri, visibility="direct")
    async with node.db.transaction() as session:
        for n, kind in enumerate(("Like", "Announce")):
            await reactions.add(
                session,
                activity_iri=f"https://remote.test/r/{n}",
                type=kind,
                actor_iri="https://remote.test/users/bob",
                object_iri=call.iri,
                document={},
                now=node.clock.now(),
            )

    found = await responses.of(node, org, Kind.CALL, call.key)

    assert found["object"] == call.iri
    assert [r["id"] for r in found["replies"]] == [
        "https://remote.test/notes/r",
        "https://remote.test/notes/dm",  # the author sees every reply addressed to it
    ]
    assert found["replies"][0]["language"] == "pt"
    assert [p["id"] for p in found["pledges"]] == ["https://remote.test/notes/p"]
    assert [like["id"] for like in found["likes"]] == ["https://remote.test/r/0"]
    assert [boost["id"] for boost in found["announces"]] == ["https://remote.test/r/1"]
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    with pytest.raises(NotFound):
        await responses.of(node, beta, Kind.CALL, call.key)


async def test_a_pledge_to_a_received_call_is_a_reply_to_its_author(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    author = remote.actor("author")
    call = await remote_call(node, author, "k9")

    pledge = await responses.pledge(node, org, "k9", "We will **be there**.")

    assert pledge.content.is_pledge and pledge.content.in_reply_to == call.iri
    assert pledge.iri.startswith("https://node.test/notes/")
    document = pledge.document
    assert (document["pledge"], document["inReplyTo"]) == (True, call.iri)
    assert (document["to"], document["cc"]) == (
        [PUBLIC],
        [node.urls.followers("alpha"), author.iri],
    )
    assert document["tag"] == [
        {"type": "Mention", "href": author.iri, "name": "@author@remote.test"}
    ]
    assert "<strong>be there</strong>" in document["content"]
    (create,) = await queued(node, "Create")
    assert create.inbox == f"{author.iri}/inbox"
    assert create.activity["object"]["id"] == pledge.iri


async def test_a_pledge_to_a_call_here_is_found_by_its_key(node: Runtime, org: LocalActor) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    call = await publishing.publish(node, beta, validation.call(CALL, node.clock.now()))
    assert call.key is not None

    pledge = await responses.pledge(node, org, call.key, "Coming.")

    assert pledge.document["tag"][0]["name"] == node.urls.actor("beta")
    found = await responses.of(node, beta, Kind.CALL, call.key)
    assert [p["id"] for p in found["pledges"]] == [pledge.iri]


async def test_what_cannot_be_pledged(node: Runtime, org: LocalActor, remote: RemoteHost) -> None:
    author = remote.actor("author")
    strategy = await publishing.publish(node, org, validation.strategy(CALL))
    call = await remote_call(node, author, "k1")
    async with node.db.transaction() as session:
        await objects.tombstone(session, call.iri, {"id": call.iri}, node.clock.now())
    for text in ("", " ", "x" * 5001):
        with pytest.raises(InvalidInput, match="'content' must be 1 to 5000 characters"):
            await responses.pledge(node, org, "k1", text)
    for key in ("k1", "unknown", strategy.key or ""):
        with pytest.raises(NotFound, match=f"no call {key} is known here"):
            await responses.pledge(node, org, key, "Coming.")
    assert await queued(node, "Create") == []
