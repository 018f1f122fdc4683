"""Reports across nodes: an organisation reports a remote actor and forwards it; the other
node's inbox takes the Flag (signed by the first node's instance actor) into its moderation
queue; a forged Flag is refused; resolving a report takes its action and is audited.

Full nodes in one process (support.network): signatures, inboxes and deliveries are real.
"""

from __future__ import annotations

import json

import pytest

from node.activitypub.keys import generate_key_pair
from node.errors import InvalidInput
from node.solidarity import reports
from node.storage import audit
from node.storage import reports as queue
from node.storage.audit import Who
from tests.support.actors import FakeActor, signed_headers
from tests.support.admin import admin_api, admin_token
from tests.support.network import Member, Network

ADMIN = Who(audit.CLI, "admin", "command line on test")


async def queued(member: Member, state: str | None = "open") -> list[queue.Report]:
    async with member.node.db.transaction() as session:
        return await queue.listed(session, state=state)


async def two_nodes(network: Network) -> tuple[Member, Member]:
    a, b = await network.add("a"), await network.add("b")
    await a.add_org("alpha")
    await b.add_org("beta")
    return a, b


async def test_a_forwarded_report_lands_in_the_reported_nodes_queue(network: Network) -> None:
    a, b = await two_nodes(network)
    body = {
        "actor": a.handle("alpha"),
        "objects": [f"{a.base}/calls/nope"],
        "comment": "Spam in <b>every</b> reply",
        "forward": True,
    }
    made = await b.api("POST", "/reports", "beta", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["forwarded"] is not None
    await network.settle()

    [report] = await queued(a)
    assert (report.origin, report.reporter_iri) == ("remote", f"{b.base}/actor")
    assert (report.target_iri, report.flag_iri) == (a.actor("alpha"), made.json()["forwarded"])
    assert report.object_iris == (f"{a.base}/calls/nope",)
    assert report.comment == "Spam in every reply"
    [own] = (await b.api("GET", "/reports", "beta")).json()["reports"]
    assert (own["origin"], own["target"], own["state"]) == ("local", a.actor("alpha"), "open")


async def test_a_forged_flag_is_refused_and_nothing_is_queued(network: Network) -> None:
    a, b = await two_nodes(network)
    instance = f"{b.base}/actor"
    forger = FakeActor(instance, generate_key_pair())  # b's instance actor's id, another key
    flag = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{b.base}/flags/forged",
        "type": "Flag",
        "actor": instance,
        "object": [a.actor("alpha")],
        "content": "lies",
    }
    body = json.dumps(flag).encode()
    url = f"{a.base}/inbox"
    headers = signed_headers(forger, url, body, network.clock.now())
    response = await a.client.post(url, content=body, headers=headers)
    assert response.status_code == 401
    await network.settle()
    assert await queued(a) == []


async def test_resolving_takes_the_action_and_is_audited(network: Network) -> None:
    a, b = await two_nodes(network)
    body = {"actor": a.actor("alpha"), "comment": "harassment", "forward": True}
    assert (await b.api("POST", "/reports", "beta", json=body)).status_code == 201
    await network.settle()
    [received] = await queued(a)
    [made_here] = await queued(b)

    token = await admin_token(a.node)
    listed = await admin_api(a.client, token, "GET", "/reports")
    assert [r["id"] for r in listed.json()["reports"]] == [received.id]
    resolved = await admin_api(
        a.client,
        token,
        "POST",
        f"/reports/{received.id}/resolve",
        json={"action": "dismiss", "note": "a disagreement, not harassment"},
    )
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["state"], resolved.json()["action"]) == ("resolved", "dismiss")
    again = await admin_api(
        a.client, token, "POST", f"/reports/{received.id}/resolve", json={"action": "dismiss"}
    )
    assert again.status_code == 400
    entries = (await admin_api(a.client, token, "GET", "/audit?action=report")).json()["entries"]
    assert [(e["action"], e["who"]["kind"], e["who"]["name"]) for e in entries] == [
        ("report.resolve", "admin-token", "test admin")
    ]
    assert entries[0]["details"]["action"] == "dismiss"

    # b's admin blocks the reported actor for the reporting organisation: a Block reaches a
    done = await reports.resolve(b.node, made_here.id, "block-actor", "", ADMIN)
    assert done.action == "block-actor"
    await network.settle()
    blocks = (await b.api("GET", "/blocks", "beta")).json()["blocks"]
    assert [x["actor"] for x in blocks] == [a.actor("alpha")]
    with pytest.raises(InvalidInput, match="already resolved"):
        await reports.resolve(b.node, made_here.id, "dismiss", "", ADMIN)


async def test_block_domain_on_a_received_report_suspends_the_reporting_server(
    network: Network,
) -> None:
    a, b = await two_nodes(network)
    body = {"actor": a.actor("alpha"), "comment": "bogus", "forward": True}
    await b.api("POST", "/reports", "beta", json=body)
    await network.settle()
    [received] = await queued(a)
    await reports.resolve(a.node, received.id, "block-domain", "report flood", ADMIN)
    assert (await a.node.policy.current()).refusal("b.test") == "b.test is blocked on this node"
    again = await b.api("POST", "/reports", "beta", json=body)
    assert again.status_code == 201
    await network.settle()
    assert await queued(a) == []  # resolved, and the next Flag was refused


async def test_reports_from_a_domain_whose_reports_are_rejected_are_ignored(
    network: Network,
) -> None:
    a, b = await two_nodes(network)
    token = await admin_token(a.node)
    block = {"domain": "b.test", "severity": "noop", "reject_reports": True}
    assert (
        await admin_api(a.client, token, "POST", "/domain-blocks", json=block)
    ).status_code == 201
    body = {"actor": a.actor("alpha"), "comment": "again", "forward": True}
    await b.api("POST", "/reports", "beta", json=body)
    await network.settle()
    assert await queued(a, state=None) == []
