"""The inbox against hostile and well-formed input: real signatures, a real remote host.

Refusals must store nothing; accepted activities are stored once and get their effects in the
worker (driven with run_until_idle, never sleeps).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from node.activitypub.keys import generate_key_pair
from node.activitypub.vocabulary import PUBLIC
from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.storage import actors, follows, inbox_items, objects, reactions
from node.storage.caches import ORGANISATIONS_REFRESH
from tests.support.actors import FakeActor, RemoteHost, hosted, post_signed, signed_headers
from tests.support.router import HostRouter

INBOX = "https://node.test/users/alpha/inbox"
SHARED = "https://node.test/inbox"


@pytest.fixture
def mallory(router: HostRouter) -> RemoteHost:
    return hosted(router, "evil.test")


async def stored_count(node: Runtime) -> int:
    async with node.db.transaction() as session:
        return sum((await inbox_items.count_by_state(session)).values())


async def drain(node: Runtime) -> None:
    await build_worker(node).run_until_idle()


def note(actor: FakeActor, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{actor.iri}/notes/{key}",
        "type": "Note",
        "attributedTo": actor.iri,
        "content": "<p>Solidarity!</p>",
        "to": [PUBLIC],
        "cc": [f"{actor.iri}/followers"],
        "published": "2026-11-21T11:00:00Z",
    } | extra


def create(actor: FakeActor, obj: dict[str, Any], key: str = "1") -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/activities/create-{key}",
        "type": "Create",
        "actor": actor.iri,
        "object": obj,
        "to": obj.get("to", []),
        "cc": obj.get("cc", []),
    }


async def test_signed_create_is_accepted_once_and_stored(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    activity = create(bob, note(bob, "n1", tag=[{"type": "Mention", "href": alpha}]))
    first = await post_signed(client, bob, INBOX, activity, node.clock.now())
    assert first.status_code == 202, first.text
    again = await post_signed(client, bob, SHARED, activity, node.clock.now())
    assert again.status_code == 202
    assert await stored_count(node) == 1
    await drain(node)
    async with node.db.transaction() as session:
        stored = await objects.get(session, f"{bob.iri}/notes/n1")
        assert stored is not None and stored.visibility == "public"
        assert (await inbox_items.count_by_state(session)) == {"done": 1}


async def test_forged_signature_is_refused(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    forger = FakeActor(bob.iri, generate_key_pair())
    response = await post_signed(
        client, forger, INBOX, create(bob, note(bob, "x")), node.clock.now()
    )
    assert response.status_code == 401
    assert "error" in response.json()
    assert await stored_count(node) == 0


async def test_key_owner_must_be_the_actor(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost, mallory: RemoteHost
) -> None:
    bob = remote.actor("bob")
    eve = mallory.actor("eve")
    activity = create(bob, note(bob, "y"))
    response = await post_signed(client, eve, INBOX, activity, node.clock.now())
    assert response.status_code == 401
    assert "actor" in response.json()["error"]
    assert await stored_count(node) == 0


async def test_stale_and_future_dates_are_refused(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    for shift in (timedelta(hours=-2), timedelta(hours=2)):
        response = await post_signed(
            client, bob, INBOX, create(bob, note(bob, "z")), node.clock.now() + shift
        )
        assert response.status_code == 401
    assert await stored_count(node) == 0


async def test_digest_mismatch_and_missing_signature(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    body = json.dumps(create(bob, note(bob, "d"))).encode()
    headers = signed_headers(bob, INBOX, body, node.clock.now())
    tampered = body.replace(b"Solidarity", b"Surrender!")
    response = await client.post(INBOX, content=tampered, headers=headers)
    assert response.status_code == 401
    assert "igest" in response.json()["error"]
    unsigned = await client.post(
        INBOX, content=body, headers={"Content-Type": "application/activity+json"}
    )
    assert unsigned.status_code == 401
    assert await stored_count(node) == 0


async def test_malformed_oversized_and_wrong_type(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    now = node.clock.now()
    for body in (b"{not json", b"[1, 2]", json.dumps({"type": "Create"}).encode()):
        headers = signed_headers(bob, INBOX, body, now)
        response = await client.post(INBOX, content=body, headers=headers)
        assert response.status_code == 400, body
    huge = json.dumps(create(bob, note(bob, "h", content="x" * 1_100_000))).encode()
    response = await client.post(INBOX, content=huge, headers=signed_headers(bob, INBOX, huge, now))
    assert response.status_code == 413
    body = json.dumps(create(bob, note(bob, "t"))).encode()
    plain = signed_headers(bob, INBOX, body, now, **{"Content-Type": "text/plain"})
    assert (await client.post(INBOX, content=body, headers=plain)).status_code == 415
    missing = await post_signed(
        client, bob, "https://node.test/users/nobody/inbox", create(bob, note(bob, "m")), now
    )
    assert missing.status_code == 404
    assert await stored_count(node) == 0


async def test_values_a_database_might_refuse_never_give_a_5xx(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    now = node.clock.now()
    long_type = {"id": f"{bob.iri}/x/long", "type": "D" * 65, "actor": bob.iri, "object": alpha}
    refused = await post_signed(client, bob, INBOX, long_type, now)
    assert refused.status_code == 400, refused.text
    for key, content in (("nul", "a\u0000b"), ("surrogate", "a\ud800b")):
        activity = create(bob, note(bob, key, content=content), key)
        response = await post_signed(client, bob, INBOX, activity, now)
        assert response.status_code in (202, 400), response.text
    assert await stored_count(node) <= 2


async def test_unknown_types_are_accepted_and_ignored(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    activity = {"id": f"{bob.iri}/x/1", "type": "Dance", "actor": bob.iri, "object": alpha}
    response = await post_signed(client, bob, INBOX, activity, node.clock.now())
    assert response.status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        assert await inbox_items.count_by_state(session) == {"done": 1}


async def test_activity_id_on_another_origin_is_refused(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    activity = create(bob, note(bob, "o"))
    activity["id"] = "https://evil.test/activities/1"
    response = await post_signed(client, bob, INBOX, activity, node.clock.now())
    assert response.status_code == 400
    assert await stored_count(node) == 0


async def test_embedded_object_from_another_origin_is_fetched_not_trusted(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost, mallory: RemoteHost
) -> None:
    bob = remote.actor("bob")
    eve = mallory.actor("eve")
    real = note(bob, "real", content="<p>the real text</p>")
    remote.objects[real["id"]] = real
    forged = note(bob, "real", content="<p>forged text</p>")
    activity = create(eve, forged, key="smuggle")
    response = await post_signed(client, eve, INBOX, activity, node.clock.now())
    assert response.status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        assert await objects.get(session, real["id"]) is None
        assert await inbox_items.count_by_state(session) == {"rejected": 1}


async def test_foreign_update_delete_and_undo_are_ignored(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost, mallory: RemoteHost
) -> None:
    bob = remote.actor("bob")
    eve = mallory.actor("eve")
    now = node.clock.now()
    original = note(bob, "keep")
    assert (
        await post_signed(client, bob, INBOX, create(bob, original, "k"), now)
    ).status_code == 202
    like = {"id": f"{bob.iri}/likes/1", "type": "Like", "actor": bob.iri, "object": alpha}
    assert (await post_signed(client, bob, INBOX, like, now)).status_code == 202
    follow = {"id": f"{bob.iri}/follows/1", "type": "Follow", "actor": bob.iri, "object": alpha}
    assert (await post_signed(client, bob, INBOX, follow, now)).status_code == 202
    await drain(node)
    hostile = [
        {
            "id": f"{eve.iri}/u/1",
            "type": "Update",
            "actor": eve.iri,
            "object": original | {"content": "<p>defaced</p>"},
        },
        {"id": f"{eve.iri}/d/1", "type": "Delete", "actor": eve.iri, "object": original["id"]},
        {"id": f"{eve.iri}/un/1", "type": "Undo", "actor": eve.iri, "object": like["id"]},
        {"id": f"{eve.iri}/un/2", "type": "Undo", "actor": eve.iri, "object": follow},
    ]
    for activity in hostile:
        assert (await post_signed(client, eve, INBOX, activity, now)).status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        kept = await objects.get(session, original["id"])
        assert kept is not None and kept.deleted_at is None
        assert kept.document["content"] == "<p>Solidarity!</p>"
        assert await reactions.get(session, like["id"]) is not None
        assert await follows.get_pair(session, bob.iri, alpha) is not None


async def test_author_update_delete_and_undo_take_effect(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    now = node.clock.now()
    original = note(bob, "mine")
    like = {"id": f"{bob.iri}/likes/2", "type": "Like", "actor": bob.iri, "object": alpha}
    for activity in (create(bob, original, "m"), like):
        assert (await post_signed(client, bob, INBOX, activity, now)).status_code == 202
    await drain(node)
    edited = original | {"content": "<p>edited</p>", "updated": "2026-11-21T12:00:00Z"}
    steps = [
        {"id": f"{bob.iri}/u/9", "type": "Update", "actor": bob.iri, "object": edited},
        {"id": f"{bob.iri}/un/9", "type": "Undo", "actor": bob.iri, "object": like},
    ]
    for activity in steps:
        assert (await post_signed(client, bob, INBOX, activity, now)).status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        stored = await objects.get(session, original["id"])
        assert stored is not None and stored.document["content"] == "<p>edited</p>"
        assert await reactions.get(session, like["id"]) is None
    delete = {
        "id": f"{bob.iri}/d/9",
        "type": "Delete",
        "actor": bob.iri,
        "object": {"id": original["id"], "type": "Tombstone"},
    }
    assert (await post_signed(client, bob, INBOX, delete, now)).status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        gone = await objects.get(session, original["id"])
        assert gone is not None and gone.deleted_at is not None
        assert gone.document["type"] == "Tombstone"


async def test_key_rotation_refetches_the_key_once(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    now = node.clock.now()
    first = create(bob, note(bob, "before"), "before")
    assert (await post_signed(client, bob, INBOX, first, now)).status_code == 202
    bob.keys = generate_key_pair()
    second = create(bob, note(bob, "after"), "after")
    response = await post_signed(client, bob, INBOX, second, now)
    assert response.status_code == 202, response.text
    assert await stored_count(node) == 2


async def test_blocked_domain_gets_403(
    client: httpx.AsyncClient, node: Runtime, alpha: str, mallory: RemoteHost
) -> None:
    from node.storage import hosts

    async with node.db.transaction() as session:
        await hosts.block(session, "evil.test", "harassment", node.clock.now())
    eve = mallory.actor("eve")
    response = await post_signed(client, eve, INBOX, create(eve, note(eve, "b")), node.clock.now())
    assert response.status_code == 403
    assert await stored_count(node) == 0


async def test_a_deleted_organisations_inbox_refuses_within_the_bound(
    client: httpx.AsyncClient, node: Runtime, clock: FrozenClock, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    first = await post_signed(
        client, bob, INBOX, create(bob, note(bob, "d1"), "d1"), node.clock.now()
    )
    assert first.status_code == 202  # alpha is now known to take activities
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    clock.advance(ORGANISATIONS_REFRESH)  # another process deleted it: known at the latest now
    late = await post_signed(
        client, bob, INBOX, create(bob, note(bob, "d2"), "d2"), node.clock.now()
    )
    assert late.status_code == 404
    assert late.json()["error"] == "alpha was deleted"
    assert await stored_count(node) == 1


async def test_an_organisation_deleted_by_this_process_refuses_at_once(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    first = await post_signed(
        client, bob, INBOX, create(bob, note(bob, "e1"), "e1"), node.clock.now()
    )
    assert first.status_code == 202
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    node.open_inboxes.forget("alpha")
    late = await post_signed(
        client, bob, INBOX, create(bob, note(bob, "e2"), "e2"), node.clock.now()
    )
    assert late.status_code == 404


async def test_inbox_answers_keep_their_shape(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    accepted = await post_signed(
        client, bob, SHARED, create(bob, note(bob, "s1"), "s1"), node.clock.now()
    )
    assert accepted.status_code == 202 and accepted.content == b""
    assert accepted.headers["content-length"] == "0" and accepted.headers["x-request-id"]
    assert "content-type" not in accepted.headers
    wrong = await client.get(SHARED)
    assert wrong.status_code == 405
    refused = await client.post(SHARED, content=b"{}", headers={"Content-Type": "text/plain"})
    assert refused.status_code in (401, 415) and refused.json()["error"]
