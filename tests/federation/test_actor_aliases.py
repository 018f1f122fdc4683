"""Every shape of an organisation's URL (/users/NAME, /orgs/NAME, /@NAME) names the one actor:
activities and API calls that name an alias act on the actor's id, never on the alias.

Requests are really signed by a remote host's actors; effects run in the worker.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from node.activitypub.vocabulary import PUBLIC
from node.federation import following
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import allies, organisations
from node.storage import follows, objects
from tests.support.actors import FakeActor, RemoteHost, hosted, post_signed
from tests.support.router import HostRouter
from tests.support.who import TESTER

BASE = "https://node.test"
ALIASES = [f"{BASE}/@alpha", f"{BASE}/orgs/alpha", f"{BASE}/users/alpha/"]


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")


async def drain(node: Runtime) -> None:
    await build_worker(node).run_until_idle()


def follow(actor: FakeActor, target: str, key: str = "f1") -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/follows/{key}",
        "type": "Follow",
        "actor": actor.iri,
        "object": target,
    }


async def followers(node: Runtime, target: str) -> list[str]:
    async with node.db.transaction() as session:
        return [f.follower_iri for f in await follows.list_by_target(session, target)]


@pytest.mark.parametrize("alias", ALIASES)
async def test_a_follow_of_an_alias_is_stored_under_the_actor_id(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost, alias: str
) -> None:
    bob = remote.actor("bob")
    response = await post_signed(client, bob, f"{BASE}/inbox", follow(bob, alias), node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    assert await followers(node, alpha) == [bob.iri]
    assert await followers(node, alias) == []
    accept = next(a for a in remote.received if a["type"] == "Accept")
    assert accept["actor"] == alpha
    assert accept["object"]["id"] == f"{bob.iri}/follows/f1"


async def test_an_undo_naming_the_alias_removes_the_follow(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    await post_signed(client, bob, f"{BASE}/inbox", follow(bob, alpha), node.clock.now())
    await drain(node)
    assert await followers(node, alpha) == [bob.iri]
    undo = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bob.iri}/undos/1",
        "type": "Undo",
        "actor": bob.iri,
        # another id than the Follow's: found by the pair, whose target is named by its alias
        "object": {
            "id": f"{bob.iri}/follows/other",
            "type": "Follow",
            "actor": bob.iri,
            "object": f"{BASE}/@alpha",
        },
    }
    response = await post_signed(client, bob, f"{BASE}/inbox", undo, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    assert await followers(node, alpha) == []


async def test_a_note_addressed_to_an_alias_is_kept_addressed_to_the_actor(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    note = {
        "id": f"{bob.iri}/notes/dm",
        "type": "Note",
        "attributedTo": bob.iri,
        "content": "<p>@alpha hello</p>",
        "to": [f"{BASE}/@alpha"],
        "cc": [PUBLIC],
        "tag": [{"type": "Mention", "href": f"{BASE}/@alpha", "name": "@alpha@node.test"}],
    }
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bob.iri}/creates/dm",
        "type": "Create",
        "actor": bob.iri,
        "object": note,
        "to": note["to"],
        "cc": note["cc"],
    }
    response = await post_signed(client, bob, f"{BASE}/inbox", create, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    async with node.db.transaction() as session:
        stored = await objects.get(session, note["id"])
    assert stored is not None
    assert stored.document["to"] == [alpha]
    assert stored.document["tag"][0]["href"] == alpha


@pytest.mark.parametrize("alias", ALIASES)
async def test_api_targets_naming_an_alias_name_the_actor(
    node: Runtime, alpha: str, alias: str
) -> None:
    beta = await organisations.create_organisation(
        node.db, node.clock, node.urls, "beta", "Beta", ""
    )
    made = await following.follow(node, beta, alias)
    assert made.target_iri == alpha
    ally, _ = await allies.add(node, beta, alias, allies.Policy("auto"), who=TESTER)
    assert ally.ally_iri == alpha
    assert await followers(node, alpha) == [node.urls.actor("beta")]
