"""An organisation blocks a remote actor: a Block goes out, the follows end both ways (Undo of
ours, Reject of theirs), and the actor's follow requests, replies and own-inbox posts are
refused from then on; unblocking sends Undo of the Block. Audited as the organisation.

Full nodes in one process (support.network); every request between them really signed.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from node.federation import blocking
from node.federation.runtime import Runtime
from node.publication import Fields, Kind, Urgency, Visibility
from node.runner import build_worker
from node.solidarity import publishing
from node.solidarity.validation import Draft
from node.storage import actors, audit, objects, reactions
from node.storage import follows as follows_table
from node.storage.audit import Who
from node.storage.tables import DeliveryRow
from tests.support.actors import hosted, post_signed
from tests.support.network import Member, Network
from tests.support.router import HostRouter

CALL = {"title": "Court support", "content": "Come to the hearing.", "urgency": "high"}
SHARED = "https://node.test/inbox"
CONTEXT = {"@context": "https://www.w3.org/ns/activitystreams"}


def call_draft(node: Runtime) -> Draft:
    deadline = node.clock.now() + timedelta(days=2)
    fields = Fields(
        kind=Kind.CALL,
        visibility=Visibility.PUBLIC,
        title="Court support",
        urgency=Urgency.HIGH,
        deadline=deadline,
    )
    return Draft(fields=fields, content="Come to the hearing.")


async def follows(member: Member, org: str) -> list[tuple[str, str]]:
    found = (await member.api("GET", "/follows", org)).json()["follows"]
    return [(f["target"], f["state"]) for f in found]


async def followers(member: Member, org: str) -> list[tuple[str, str]]:
    found = (await member.api("GET", "/followers", org)).json()["followers"]
    return [(f["actor"], f["state"]) for f in found]


async def test_a_block_ends_the_follows_and_refuses_the_actor(network: Network) -> None:
    a, b = await network.add("a"), await network.add("b")
    alpha, beta = await a.add_org("alpha"), await b.add_org("beta")
    await a.api("POST", "/follows", "alpha", json={"target": beta})
    await b.api("POST", "/follows", "beta", json={"target": alpha})
    await network.settle()
    deadline = (network.clock.now() + timedelta(days=2)).isoformat()
    made = await a.api("POST", "/calls", "alpha", json=CALL | {"deadline": deadline})
    call_iri, key = made.json()["id"], made.json()["id"].rsplit("/", 1)[-1]
    await network.settle()
    assert await followers(a, "alpha") == [(beta, "accepted")]
    assert await follows(a, "alpha") == [(beta, "accepted")]

    blocked = await a.api("POST", "/blocks", "alpha", json={"actor": b.handle("beta")})
    assert blocked.status_code == 201, blocked.text
    assert blocked.json()["actor"] == beta
    await network.settle()

    assert await followers(a, "alpha") == [] and await follows(a, "alpha") == []
    assert await followers(b, "beta") == []  # our Undo of the follow arrived
    assert await follows(b, "beta") == [(alpha, "rejected")]  # their follow was rejected

    # beta asks again, and pledges to alpha's call: alpha's inbox answers 403 to both
    await b.api("POST", "/follows", "beta", json={"target": alpha})
    pledged = await b.api("POST", f"/calls/{key}/pledges", "beta", json={"content": "I'll come"})
    assert pledged.status_code == 202, pledged.text
    await network.settle()
    assert await followers(a, "alpha") == []
    assert await follows(b, "beta") == [(alpha, "pending")]
    async with b.node.db.transaction() as session:
        to_alpha = await session.execute(
            select(DeliveryRow.state, DeliveryRow.last_status)
            .where(DeliveryRow.inbox_url == f"{alpha}/inbox")
            .order_by(DeliveryRow.id)
        )
        # beta's Follow and its Accept of alpha's, before the block; then its new Follow and
        # its pledge, refused
        assert list(to_alpha) == [("delivered", 202)] * 2 + [("failed", 403)] * 2
    async with a.node.db.transaction() as session:
        assert await objects.replies_to(session, call_iri) == []
    response = (await a.api("GET", f"/calls/{key}/responses", "alpha")).json()
    assert response["pledges"] == [] and response["replies"] == []

    async with a.node.db.transaction() as session:
        [entry] = await audit.entries(session, action="actor.block")
    assert (entry.who.kind, entry.who.name, entry.target) == ("organisation", "alpha", beta)

    block_id = blocked.json()["id"]
    assert (await a.api("DELETE", f"/blocks/{block_id}", "alpha")).status_code == 204
    await network.settle()
    assert (await a.api("GET", "/blocks", "alpha")).json()["blocks"] == []
    await b.api("POST", "/follows", "beta", json={"target": alpha})
    await network.settle()
    assert await followers(a, "alpha") == [(beta, "accepted")]


async def test_through_the_shared_inbox_a_blocked_follow_is_rejected_and_likes_dropped(
    client: httpx.AsyncClient, node: Runtime, alpha: str, router: HostRouter
) -> None:
    remote = hosted(router, "remote.test")
    bob = remote.actor("bob")
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
    made = await publishing.publish(node, org, call_draft(node))
    await blocking.block(node, org, bob.iri, Who(audit.CLI, "admin", "test"))
    worker = build_worker(node)
    await worker.run_until_idle()
    assert [item["type"] for item in remote.received] == ["Block"]
    now = node.clock.now()
    follow = {"id": f"{bob.iri}/f/1", "type": "Follow", "actor": bob.iri, "object": alpha}
    like = {"id": f"{bob.iri}/l/1", "type": "Like", "actor": bob.iri, "object": made.iri}
    for activity in (follow, like):
        sent = await post_signed(client, bob, SHARED, CONTEXT | activity, now)
        assert sent.status_code == 202, sent.text
    await worker.run_until_idle()
    assert [item["type"] for item in remote.received] == ["Block", "Reject"]
    assert remote.received[1]["object"]["id"] == follow["id"]
    async with node.db.transaction() as session:
        assert await follows_table.list_by_target(session, alpha) == []
        assert await reactions.for_object(session, made.iri) == []
