"""A Follow of an organisation's profile URL (/@name) follows the organisation's actor: the
follow is kept under the actor's IRI, accepted, and the follower receives what it publishes
(before, it was stored as accepted under the profile URL and delivered nothing)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations, publishing, validation
from node.storage import follows
from tests.support.actors import RemoteHost, hosted, post_signed
from tests.support.router import HostRouter


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")


async def test_a_follow_of_the_profile_url_follows_the_actor(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    profile = node.urls.profile("alpha")
    follow = {"id": f"{bob.iri}/follows/1", "type": "Follow", "actor": bob.iri, "object": profile}
    answer = await post_signed(client, bob, f"{alpha}/inbox", follow, node.clock.now())
    assert answer.status_code == 202, answer.text
    await build_worker(node).run_until_idle()
    async with node.db.transaction() as session:
        kept = await follows.get_pair(session, bob.iri, alpha)
        assert kept is not None and kept.state == follows.ACCEPTED
        assert await follows.get_pair(session, bob.iri, profile) is None
    assert [a["type"] for a in remote.received] == ["Accept"]

    deadline = (node.clock.now() + timedelta(days=1)).isoformat()
    body = {"title": "Water", "content": "Bring some.", "deadline": deadline}
    org = await organisations.get(node.db, "alpha")
    call = await publishing.publish(node, org, validation.call(body, node.clock.now()))
    await build_worker(node).run_until_idle()
    assert [a["object"]["id"] for a in remote.received if a["type"] == "Create"] == [call.iri]
