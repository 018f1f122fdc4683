"""Creates applied together keep what on_create keeps, on SQLite and PostgreSQL: the object with
its addressees (an organisation here named in `to`), its attachments, when it was stored and
the end of its id; a host the policy refuses since the item was stored is refused, media of a
domain whose media are rejected are left out, and a reply to an organisation that blocked its
author is dropped. Real signed POSTs, the worker's own inbox queue."""

from __future__ import annotations

from typing import Any

import httpx

from node.clock import FrozenClock
from node.federation import inbox_creates, relayed
from node.federation.inbox_queue import InboxQueue
from node.federation.runtime import Runtime
from node.solidarity import federation_settings, moderation
from node.solidarity.arrivals import CascadeArrivals
from node.storage import actors, addressees, inbox_items, objects, remote_media
from node.storage.domain_blocks import BlockFields
from node.storage.objects import StoredObject
from node.storage.tables import ObjectRow
from tests.support.actors import FakeActor, RemoteHost, create_note, post_signed

SHARED = "https://node.test/inbox"
PICTURE = {
    "type": "Image",
    "mediaType": "image/png",
    "url": "https://remote.test/media/1.png",
    "name": "A banner",
}


def applied_together(node: Runtime, batches: list[int]) -> InboxQueue:
    arrivals = CascadeArrivals()
    creates = inbox_creates.creator(arrivals)

    async def counting(node: Runtime, activities: Any) -> Any:
        batches.append(len(activities))
        return await creates(node, activities)

    return InboxQueue(node, relayed.dispatcher(arrivals), counting)


async def drain(inbox: InboxQueue) -> None:
    for _ in range(200):
        if not await inbox.run_once(200):
            return
    raise AssertionError("the inbox queue did not settle")


def to_alpha(actor: FakeActor, key: str, alpha: str) -> dict[str, Any]:
    create = create_note(actor, key)
    create["to"] = create["object"]["to"] = [alpha]
    create["object"]["attachment"] = [PICTURE]
    return create


async def stored(node: Runtime, iri: str) -> tuple[StoredObject, ObjectRow]:
    async with node.db.transaction() as session:
        kept = await objects.get(session, iri)
        assert kept is not None
        row = await session.get_one(ObjectRow, kept.id)
    return kept, row


async def test_a_create_applied_together_keeps_its_addressees_media_and_times(
    node: Runtime, client: httpx.AsyncClient, remote: RemoteHost, clock: FrozenClock, alpha: str
) -> None:
    bob = remote.actor("bob")
    create = to_alpha(bob, "direct", alpha)
    assert (await post_signed(client, bob, SHARED, create, clock.now())).status_code == 202
    batches: list[int] = []
    await drain(applied_together(node, batches))
    assert batches == [1]  # taken by the batched path, not left to handle()

    kept, row = await stored(node, create["object"]["id"])
    assert (row.stored_at, row.tail) == (clock.now(), "direct")
    async with node.db.transaction() as session:
        organisation = await actors.by_username(session, "alpha")
        assert await addressees.of_object(session, kept.id) == {organisation.id}
        media = await remote_media.of_objects(session, [kept.id])
    assert [m.attachment.url for m in media.get(kept.id, [])] == [PICTURE["url"]]


async def test_the_policy_of_now_applies_to_creates_applied_together(
    node: Runtime, client: httpx.AsyncClient, remote: RemoteHost, clock: FrozenClock, alpha: str
) -> None:
    bob = remote.actor("bob")
    create = to_alpha(bob, "media", alpha)
    assert (await post_signed(client, bob, SHARED, create, clock.now())).status_code == 202
    await moderation.put_block(
        node, "remote.test", BlockFields(severity="noop", reject_media=True), moderation.CLI_WHO
    )
    await drain(applied_together(node, []))
    kept, _ = await stored(node, create["object"]["id"])
    async with node.db.transaction() as session:
        assert (await remote_media.of_objects(session, [kept.id])).get(kept.id, []) == []

    later = create_note(bob, "after-allowlist")
    assert (await post_signed(client, bob, SHARED, later, clock.now())).status_code == 202
    await federation_settings.set_mode(node, "allowlist", moderation.CLI_WHO)  # since it arrived
    await drain(applied_together(node, []))
    async with node.db.transaction() as session:
        assert await objects.get(session, later["object"]["id"]) is None
        assert await inbox_items.count_by_state(session) == {"done": 1, "rejected": 1}
