"""Domain blocks with severities, from a real Mastodon export: imported as Mastodon would;
a suspended domain's stored content, follows and deliveries are gone and what it sends is
refused; a silenced domain's calls leave the search; a domain's media can be rejected.

Every request is really signed by remote hosts' actors; the worker runs with run_until_idle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from node.activitypub.vocabulary import PUBLIC
from node.federation import following
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import moderation, organisations
from node.storage import actors, audit
from node.storage import deliveries as rows
from node.storage.audit import Who
from node.storage.tables import DeliveryRow, FollowRow, ObjectRow, RemoteActorRow
from tests.support.actors import FakeActor, RemoteHost, hosted, post_signed
from tests.support.router import HostRouter

EXPORT = Path(__file__).parents[1] / "payloads" / "mastodon" / "domain_blocks.csv"
INBOX = "https://node.test/users/alpha/inbox"
WHO = Who(audit.CLI, "admin", "command line on test")


@pytest.fixture
def harassment(router: HostRouter) -> RemoteHost:
    return hosted(router, "harassment.example")


@pytest.fixture
def loud(router: HostRouter) -> RemoteHost:
    return hosted(router, "loud.example")


@pytest.fixture
def media(router: HostRouter) -> RemoteHost:
    return hosted(router, "media.example")


def call(actor: FakeActor, key: str, word: str, **extra: Any) -> dict[str, Any]:
    """A public Create of a call (a Note with kind "call") holding `word`."""
    obj = {
        "id": f"{actor.iri}/calls/{key}",
        "type": "Note",
        "kind": "call",
        "title": f"Call {word}",
        "attributedTo": actor.iri,
        "content": f"<p>Please help: {word}</p>",
        "to": [PUBLIC],
        "cc": [f"{actor.iri}/followers"],
        "published": "2026-11-21T11:00:00Z",
    } | extra
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/activities/{key}",
        "type": "Create",
        "actor": actor.iri,
        "object": obj,
        "to": [PUBLIC],
        "cc": obj["cc"],
    }


def follow_of(actor: FakeActor, target: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/follows/1",
        "type": "Follow",
        "actor": actor.iri,
        "object": target,
    }


async def count(node: Runtime, column: Any, host: str) -> int:
    async with node.db.transaction() as session:
        found = await session.scalar(select(func.count()).where(column.like(f"%{host}%")))
    return int(found or 0)


async def search(client: httpx.AsyncClient, token: str, word: str) -> list[str]:
    response = await client.get(
        "/api/v1/search", params={"q": word}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_a_mastodon_export_imports_and_a_suspension_removes_the_domain(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    harassment: RemoteHost,
    router: HostRouter,
) -> None:
    troll = harassment.actor("troll")
    now = node.clock.now()
    for activity in (call(troll, "c1", "trolling"), follow_of(troll, alpha)):
        assert (await post_signed(client, troll, INBOX, activity, now)).status_code == 202
    worker = build_worker(node)
    await worker.run_until_idle()
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
    router.down.add("harassment.example")  # alpha's own Follow will wait in the queue
    await following.follow(node, org, troll.iri)
    await worker.run_until_idle()
    assert await count(node, ObjectRow.actor_iri, "harassment.example") == 1
    assert await count(node, FollowRow.follower_iri, "harassment.example") == 1
    assert await count(node, FollowRow.target_iri, "harassment.example") == 1
    assert await count(node, DeliveryRow.host, "harassment.example") >= 1

    done = await moderation.import_blocks(node, EXPORT.read_text(encoding="utf-8"), WHO)

    assert sorted(done.added) == [
        "harassment.example",
        "loud.example",
        "media.example",
        "quoted.example",
        "spam.example",
    ]
    assert done.problems == ()
    for column in (ObjectRow.actor_iri, FollowRow.follower_iri, FollowRow.target_iri):
        assert await count(node, column, "harassment.example") == 0
    assert await count(node, DeliveryRow.host, "harassment.example") == 0
    assert await count(node, RemoteActorRow.iri, "harassment.example") == 0
    refused = await post_signed(client, troll, INBOX, call(troll, "c2", "again"), now)
    assert refused.status_code == 403
    assert "harassment.example is blocked" in refused.json()["error"]

    # a delivery queued by anyone before the block fails when due, unsent
    async with node.db.transaction() as session:
        await rows.enqueue(
            session, "urn:x:1", org.id, "{}", ["https://harassment.example/inbox"], now
        )
    router.down.discard("harassment.example")
    await worker.run_until_idle()
    async with node.db.transaction() as session:
        [row] = await session.scalars(
            select(DeliveryRow).where(DeliveryRow.activity_iri == "urn:x:1")
        )
    assert (row.state, row.attempts, row.last_error) == ("failed", 0, "domain blocked")
    assert harassment.received == [] or all(
        item.get("type") != "Follow" for item in harassment.received
    )

    # exported as Mastodon exports (the same rows, in domain order), and audited once
    exported = await moderation.export_blocks(node)
    header, *lines = EXPORT.read_text(encoding="utf-8").splitlines()
    assert exported.splitlines() == [header, *sorted(lines)]
    async with node.db.transaction() as session:
        [entry] = await audit.entries(session, action="domain.import")
    assert (entry.who, entry.details["added"]) == (WHO, 5)
    assert entry.details["removed"]["objects"] == 1
    assert entry.details["removed"]["follows"] == 2


async def test_a_second_import_keeps_existing_blocks_as_they_are(node: Runtime) -> None:
    await moderation.put_block(
        node, "spam.example", moderation.BlockFields("silence", private_comment="ours"), WHO
    )
    done = await moderation.import_blocks(node, EXPORT.read_text(encoding="utf-8"), WHO)
    assert done.kept == ("spam.example",)
    [spam] = [b for b in await moderation.listed(node) if b.domain == "spam.example"]
    assert (spam.fields.severity, spam.fields.private_comment) == ("silence", "ours")


async def test_a_silenced_domain_leaves_the_search_and_media_can_be_rejected(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    loud: RemoteHost,
    media: RemoteHost,
) -> None:
    token = await organisations.create_token(node.db, node.clock, "alpha")
    shouter, painter = loud.actor("shouter"), media.actor("painter")
    now = node.clock.now()
    picture = {"type": "Document", "mediaType": "image/png", "url": "https://media.example/a.png"}
    shout = call(shouter, "s1", "floodgates")
    assert (await post_signed(client, shouter, INBOX, shout, now)).status_code == 202
    await build_worker(node).run_until_idle()
    assert await search(client, token, "floodgates") == [shout["object"]["id"]]

    await moderation.import_blocks(node, EXPORT.read_text(encoding="utf-8"), WHO)

    assert await search(client, token, "floodgates") == []  # silenced: out of the library
    again = call(shouter, "s2", "floodgates")
    assert (await post_signed(client, shouter, INBOX, again, now)).status_code == 202
    painted = call(painter, "p1", "gallery", attachment=[picture], image=picture)
    assert (await post_signed(client, painter, INBOX, painted, now)).status_code == 202
    await build_worker(node).run_until_idle()
    async with node.db.transaction() as session:
        kept = await session.scalar(
            select(ObjectRow).where(ObjectRow.iri == painted["object"]["id"])
        )
    assert kept is not None
    assert "attachment" not in kept.document and "image" not in kept.document
    assert await search(client, token, "gallery") == [painted["object"]["id"]]
