"""The cascade between full nodes in one process: allies amplify with their own Announce (via,
hop, cc the author), exactly once per organisation, within hops and deadline; manual approval;
the origin's tree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from node.storage import amplifications, cascade
from tests.support.network import Member, Network

CALL = {
    "title": "Strike fund for dock workers",
    "content": "Donate and share.",
    "urgency": "normal",
    "regions": ["PL"],
    "themes": ["labour"],
}


def call_body(network: Network, **extra: Any) -> dict[str, Any]:
    deadline = (network.clock.now() + timedelta(days=3)).isoformat()
    return CALL | {"deadline": deadline} | extra


async def nodes(network: Network, *names: str) -> list[Member]:
    found = []
    for name in names:
        member = await network.add(name)
        await member.add_org(name + "org")
        found.append(member)
    return found


async def ally(member: Member, other: Member, amplify: str = "auto", **extra: Any) -> None:
    body = {"actor": other.handle(other.host.split(".")[0] + "org"), "amplify": amplify} | extra
    org = member.host.split(".")[0] + "org"
    made = await member.api("POST", "/allies", org, json=body)
    assert made.status_code == 201, made.text


async def publish(network: Network, origin: Member, **extra: Any) -> tuple[str, str]:
    org = origin.host.split(".")[0] + "org"
    made = await origin.api("POST", "/calls", org, json=call_body(network, **extra))
    assert made.status_code == 201, made.text
    await network.settle()
    iri = made.json()["id"]
    return iri, iri.rsplit("/", 1)[-1]


async def sent(member: Member, iri: str) -> list[amplifications.Amplification]:
    async with member.node.db.transaction() as session:
        rows = await amplifications.of_object(session, iri)
    return [row for row in rows if row.state == amplifications.SENT]


async def tree(member: Member, key: str) -> dict[str, Any]:
    org = member.host.split(".")[0] + "org"
    found = await member.api("GET", f"/calls/{key}/cascade", org)
    assert found.status_code == 200, found.text
    return dict(found.json())


async def test_a_chain_amplifies_hop_by_hop_and_the_origin_sees_the_tree(network: Network) -> None:
    a, b, c, d = await nodes(network, "a", "b", "c", "d")
    await ally(b, a)
    await ally(c, b)
    await ally(d, c)
    await network.settle()
    iri, key = await publish(network, a)
    hops = {m.host: [r.hop for r in await sent(m, iri)] for m in (a, b, c, d)}
    assert hops == {"a.test": [], "b.test": [1], "c.test": [2], "d.test": [3]}
    found = await tree(a, key)
    by_actor = {n["actor"]: n for n in found["nodes"]}
    assert set(by_actor) == {a.actor("aorg"), b.actor("borg"), c.actor("corg"), d.actor("dorg")}
    root = by_actor[a.actor("aorg")]
    assert root["hop"] == 0 and root["via"] is None
    assert by_actor[b.actor("borg")]["via"] == root["id"]
    assert by_actor[c.actor("corg")]["via"] == by_actor[b.actor("borg")]["id"]
    assert by_actor[d.actor("dorg")]["via"] == by_actor[c.actor("corg")]["id"]
    assert [by_actor[m.actor(m.host[0] + "org")]["hop"] for m in (b, c, d)] == [1, 2, 3]
    assert by_actor[b.actor("borg")]["reach"] == 1  # corg follows borg
    stored = await d.api("GET", f"/calls/{key}/cascade", "dorg")
    assert stored.status_code == 200 and stored.json()["object"] == iri


async def test_a_diamond_amplifies_once_and_a_cycle_never_returns(network: Network) -> None:
    a, b, c, d = await nodes(network, "a", "b", "c", "d")
    await ally(b, a)
    await ally(c, a)
    await ally(d, b)
    await ally(d, c)
    await ally(a, d)  # the cycle: back to the origin
    await network.settle()
    iri, _key = await publish(network, a)
    assert len(await sent(d, iri)) == 1
    assert await sent(a, iri) == []
    async with a.node.db.transaction() as session:
        entries = await cascade.of_object(session, iri)
    assert sorted(e.actor_iri for e in entries if e.type == "Announce") == sorted(
        [b.actor("borg"), c.actor("corg"), d.actor("dorg")]
    )


async def test_max_hops_stops_the_chain(network: Network) -> None:
    a, b, c, d = await nodes(network, "a", "b", "c", "d")
    await ally(b, a)
    await ally(c, b)
    await ally(d, c)
    await network.settle()
    iri, _ = await publish(network, a, max_hops=2)
    assert [len(await sent(m, iri)) for m in (b, c, d)] == [1, 1, 0]


async def test_an_organisations_own_hop_cap_stops_it(network: Network) -> None:
    a, b, c, d = await nodes(network, "a", "b", "c", "d")
    await ally(b, a)
    await ally(c, b)
    await ally(d, c)
    capped = await d.api("PATCH", "/organisation", "dorg", json={"max_hops": 2})
    assert capped.status_code == 200 and capped.json()["max_hops"] == 2, capped.text
    await network.settle()
    iri, key = await publish(network, a)
    assert [len(await sent(m, iri)) for m in (b, c, d)] == [1, 1, 0]
    refused = await d.api("POST", f"/calls/{key}/amplify", "dorg")
    assert refused.status_code == 400 and "2 hops" in refused.json()["error"]


async def test_urgent_policy_and_narrowing(network: Network) -> None:
    a, b, c, d = await nodes(network, "a", "b", "c", "d")
    await ally(b, a, "urgent")
    await ally(c, a, "auto", regions=["DE"])
    await ally(d, a, "auto", themes=["Labour"], regions=["pl"])
    await network.settle()
    normal, _ = await publish(network, a)
    assert [len(await sent(m, normal)) for m in (b, c, d)] == [0, 0, 1]
    urgent, _ = await publish(network, a, urgency="critical")
    assert [len(await sent(m, urgent)) for m in (b, c, d)] == [1, 0, 1]


async def test_manual_approval_and_rejection(network: Network) -> None:
    a, b, c = await nodes(network, "a", "b", "c")
    await ally(b, a, "manual")
    await ally(c, b)
    await network.settle()
    first, _ = await publish(network, a)
    second, _ = await publish(network, a)
    queued = (await b.api("GET", "/amplifications/pending", "borg")).json()["pending"]
    assert {q["object"] for q in queued} == {first, second}
    ids = {q["object"]: q["id"] for q in queued}
    approved = await b.api("POST", f"/amplifications/{ids[first]}/approve", "borg")
    assert approved.status_code == 200 and approved.json()["state"] == "sent", approved.text
    rejected = await b.api("POST", f"/amplifications/{ids[second]}/reject", "borg")
    assert rejected.json()["state"] == "rejected"
    again = await b.api("POST", f"/amplifications/{ids[first]}/approve", "borg")
    assert again.status_code == 400
    await network.settle()
    assert [r.hop for r in await sent(c, first)] == [2]
    assert await sent(c, second) == []


async def test_delete_withdraws_pending_and_stops_amplification(network: Network) -> None:
    a, b = await nodes(network, "a", "b")
    await ally(b, a, "manual")
    await network.settle()
    _iri, key = await publish(network, a)
    pending = (await b.api("GET", "/amplifications/pending", "borg")).json()["pending"]
    assert len(pending) == 1
    assert (await a.api("DELETE", f"/calls/{key}", "aorg")).status_code == 204
    await network.settle()
    assert (await b.api("GET", "/amplifications/pending", "borg")).json()["pending"] == []
    late = await b.api("POST", f"/amplifications/{pending[0]['id']}/approve", "borg")
    assert late.status_code == 400
    by_hand = await b.api("POST", f"/calls/{key}/amplify", "borg")
    assert by_hand.status_code == 400


async def test_deadline_and_visibility(network: Network) -> None:
    a, b = await nodes(network, "a", "b")
    await ally(b, a)
    await network.settle()
    private, _ = await publish(network, a, visibility="followers")
    assert await sent(b, private) == []
    soon = (network.clock.now() + timedelta(minutes=5)).isoformat()
    made = await a.api("POST", "/calls", "aorg", json=call_body(network, deadline=soon))
    network.clock.advance(timedelta(minutes=10))
    await network.settle()
    assert await sent(b, made.json()["id"]) == []


async def test_amplify_by_hand_once(network: Network) -> None:
    a, b = await nodes(network, "a", "b")
    await b.api("POST", "/follows", "borg", json={"target": a.handle("aorg")})
    await network.settle()
    _iri, key = await publish(network, a)
    first = await b.api("POST", f"/calls/{key}/amplify", "borg")
    assert first.status_code == 201 and first.json()["hop"] == 1, first.text
    assert (await b.api("POST", f"/calls/{key}/amplify", "borg")).status_code == 400
    own = await a.api("POST", f"/calls/{key}/amplify", "aorg")
    assert own.status_code == 400
    await network.settle()
    nodes_ = (await tree(a, key))["nodes"]
    assert [n["hop"] for n in nodes_] == [0, 1]


async def test_allies_api_and_bad_input(network: Network) -> None:
    a, b = await nodes(network, "a", "b")
    assert (await b.client.get("/api/v1/allies")).status_code == 401
    for body in (
        {},
        {"actor": a.handle("aorg"), "amplify": "always"},
        {"actor": a.handle("aorg"), "regions": "PL"},
        {"actor": b.handle("borg")},
    ):
        assert (await b.api("POST", "/allies", "borg", json=body)).status_code == 400, body
    made = await b.api(
        "POST", "/allies", "borg", json={"actor": a.actor("aorg"), "amplify": "auto"}
    )
    assert made.status_code == 201
    again = await b.api(
        "POST", "/allies", "borg", json={"actor": a.actor("aorg"), "amplify": "urgent"}
    )
    assert again.status_code == 200 and again.json()["amplify"] == "urgent"
    await network.settle()
    follows = (await b.api("GET", "/follows", "borg")).json()["follows"]
    assert [(f["target"], f["state"]) for f in follows] == [(a.actor("aorg"), "accepted")]
    listed = (await b.api("GET", "/allies", "borg")).json()["allies"]
    assert [x["amplify"] for x in listed] == ["urgent"]
    assert (await b.api("DELETE", "/allies/x", "borg")).status_code == 400
    assert (await b.api("DELETE", "/allies/999", "borg")).status_code == 404
    assert (await b.api("DELETE", f"/allies/{listed[0]['id']}", "borg")).status_code == 204
    assert (await b.api("GET", "/calls/nothing/cascade", "borg")).status_code == 404
    assert (await b.api("POST", "/amplifications/1/maybe", "borg")).status_code == 400
