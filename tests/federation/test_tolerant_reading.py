"""The inbox reads what real servers send: an activity without an id (Epicyon's Accept) and a
Note with a prefixed key its sender never declared (Epicyon's `schema:license`) are accepted
and take effect, really signed, effects run by the worker. Both were refused with 400."""

from __future__ import annotations

import httpx
import pytest

from node.activitypub.vocabulary import PUBLIC
from node.federation import following
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations
from node.storage import follows, objects
from tests.support.actors import RemoteHost, hosted, post_signed
from tests.support.router import HostRouter

SHARED = "https://node.test/inbox"
LICENSE = "https://creativecommons.org/licenses/by-nc/4.0/"


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")


async def drain(node: Runtime) -> None:
    await build_worker(node).run_until_idle()


async def test_an_accept_without_an_id_accepts_our_follow(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    org = await organisations.get(node.db, "alpha")
    made = await following.follow(node, org, bob.iri)
    await drain(node)
    sent = next(a for a in remote.received if a["type"] == "Follow")
    assert sent["id"] == made.follow_iri
    accept = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Accept",
        "actor": bob.iri,
        "to": [alpha],
        "object": {"id": sent["id"], "type": "Follow", "actor": alpha, "object": bob.iri},
    }
    response = await post_signed(client, bob, SHARED, accept, node.clock.now())
    assert response.status_code == 202, response.text
    again = await post_signed(client, bob, SHARED, accept, node.clock.now())
    assert again.status_code == 202
    await drain(node)
    async with node.db.transaction() as session:
        found = await follows.get_pair(session, alpha, bob.iri)
    assert found is not None and found.state == follows.ACCEPTED


async def test_an_accept_without_an_id_from_someone_else_changes_nothing(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob, eve = remote.actor("bob"), remote.actor("eve")
    org = await organisations.get(node.db, "alpha")
    made = await following.follow(node, org, bob.iri)
    await drain(node)
    forged = {
        "type": "Accept",
        "actor": eve.iri,
        "object": {"id": made.follow_iri, "type": "Follow", "actor": alpha, "object": bob.iri},
    }
    response = await post_signed(client, eve, SHARED, forged, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    async with node.db.transaction() as session:
        found = await follows.get_pair(session, alpha, bob.iri)
    assert found is not None and found.state == follows.PENDING


async def test_a_note_with_an_undeclared_prefixed_key_is_kept(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    note = {
        "id": f"{bob.iri}/statuses/1",
        "type": "Note",
        "attributedTo": bob.iri,
        "content": "<p>We will be there.</p>",
        "to": [PUBLIC],
        "cc": [alpha],
        "schema:license": LICENSE,
    }
    create = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {"Hashtag": "as:Hashtag", "toot": "http://joinmastodon.org/ns#"},
        ],
        "id": f"{bob.iri}/statuses/1/activity",
        "type": "Create",
        "actor": bob.iri,
        "to": [PUBLIC],
        "cc": [alpha],
        "object": note,
    }
    response = await post_signed(client, bob, SHARED, create, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    async with node.db.transaction() as session:
        stored = await objects.get(session, note["id"])
    assert stored is not None
    assert stored.content.body_text == "We will be there."
    assert stored.document["schema:license"] == LICENSE
