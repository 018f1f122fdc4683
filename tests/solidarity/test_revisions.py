"""A revision goes to the audience it has now: an addressee the revision removed gets a Delete
of the object at its own inbox, never the new text; one whose server still hosts someone of
the new audience gets nothing (a Delete there would remove the object for them too). A local
organisation removed from the addressees can no longer read it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations
from tests.support.keypool import shared_keys
from tests.support.peers import PeerHost, serve_peer
from tests.support.router import HostRouter


@pytest.fixture(autouse=True)
def pooled_keys() -> Iterator[None]:
    with shared_keys():
        yield


@pytest.fixture
def remote(router: HostRouter) -> PeerHost:
    return serve_peer(router, "remote.test")


@pytest.fixture
def other(router: HostRouter) -> PeerHost:
    return serve_peer(router, "other.test")


async def api(
    client: httpx.AsyncClient, token: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return await client.request(method, f"/api/v1{path}", headers=headers, **kwargs)


def of_type(host: PeerHost, kind: str, object_iri: str) -> list[dict[str, Any]]:
    found = []
    for activity in host.received:
        embedded = activity.get("object")
        target = embedded.get("id") if isinstance(embedded, dict) else embedded
        if activity.get("type") == kind and target == object_iri:
            found.append(activity)
    return found


async def test_removed_addressees_get_a_delete_not_the_new_text(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost, other: PeerHost
) -> None:
    bob, carl = remote.actor("bob"), remote.actor("carl")
    dana = other.actor("dana")
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    alpha_token = await organisations.create_token(node.db, node.clock, "alpha")
    beta_token = await organisations.create_token(node.db, node.clock, "beta")
    deadline = (node.clock.now() + timedelta(days=2)).isoformat()
    body = {
        "title": "Quiet meeting",
        "content": "Room 4. @bob@remote.test @carl@remote.test @dana@other.test @beta@node.test",
        "deadline": deadline,
        "visibility": "direct",
    }
    made = await api(client, alpha_token, "POST", "/calls", json=body)
    assert made.status_code == 201, made.text
    key, iri = made.json()["key"], made.json()["id"]
    assert (await api(client, beta_token, "GET", f"/calls/{key}/cascade")).status_code == 200
    await build_worker(node).run_until_idle()
    assert len(of_type(other, "Create", iri)) == 1

    revised = {"content": "Moved to room 9. @bob@remote.test"}
    answer = await api(client, alpha_token, "PATCH", f"/calls/{key}", json=revised)
    assert answer.status_code == 200, answer.text
    await build_worker(node).run_until_idle()

    assert of_type(other, "Update", iri) == []
    deletes = of_type(other, "Delete", iri)
    assert len(deletes) == 1 and deletes[0]["to"] == [dana.iri]
    assert "room 9" not in str(other.received)
    updates = of_type(remote, "Update", iri)
    assert len(updates) == 1 and "room 9" in updates[0]["object"]["content"]
    assert updates[0]["to"] == [bob.iri]
    # carl was removed too, but his server still hosts bob: no Delete that would take it from bob
    assert of_type(remote, "Delete", iri) == []
    assert carl.iri not in str(updates)
    gone = await api(client, beta_token, "GET", f"/calls/{key}/cascade")
    assert gone.status_code == 404
