"""The trusted cascade between full nodes in one process: a circle call goes to its circle's
members only, and on from each member whose ally record names a circle, to that circle only;
with the origin down, each hop checks the author's proof with the key its ally attests; the
origin draws the tree from receipts; Update and Delete travel the same path; a watcher that
follows everyone gets nothing.

    a --trusted--> b --onward--> c --onward--> d        e: in b's circle, passes nothing on
                     \\--onward--> e                     w: follows and allies everyone
"""

from __future__ import annotations

from datetime import timedelta

from node.errors import FetchStatus
from node.storage import cascade
from tests.support.circles import (
    ally,
    circle,
    circle_call,
    held,
    holds_live,
    hops_sent,
    is_circle,
    kept_of,
    nodes,
    org,
    signed_copy,
    trace_of,
)
from tests.support.network import Member, Network


async def chain(network: Network) -> dict[str, Member]:
    a, b, c, d, e, w = await nodes(network, "a", "b", "c", "d", "e", "w")
    await circle(a, "trusted", b)
    await circle(b, "onward", c, e)
    await circle(c, "onward", d)
    await ally(b, a, circle="onward")
    await ally(c, b, circle="onward")
    await ally(e, b)  # no circle named: it reads, never passes on
    await ally(d, c)
    for other in (a, b, c, d, e):
        await ally(w, other)  # the watcher amplifies everything it is given
    await network.settle()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "w": w}


def posts_to(network: Network, host: str, iri: str) -> list[str]:
    return [
        str(r.url)
        for r in network.router.requests
        if r.url.host == host and r.method == "POST" and iri in r.content.decode()
    ]


async def test_a_circle_call_reaches_exactly_the_trusted_path(network: Network) -> None:
    n = await chain(network)
    iri, key = await circle_call(network, n["a"])
    await network.settle()

    assert {name for name, m in n.items() if await holds_live(m, iri)} == {"a", "b", "c", "d", "e"}
    for name in "bcde":
        assert is_circle(await held(n[name], iri)), name
    assert [await hops_sent(n[x], iri) for x in "abcdew"] == [[], [1], [2], [], [], []]
    assert await trace_of(n["w"], iri) == []
    assert posts_to(network, "w.test", iri) == []
    created = n["a"].node  # the Create went to the circle's member alone
    async with created.db.transaction() as session:
        entries = await cascade.of_object(session, iri)
    tree = {e.actor_iri: (e.type, e.hop) for e in entries}
    assert tree == {
        n["a"].actor("aorg"): ("Create", 0),
        n["b"].actor("borg"): ("Announce", 1),
        n["c"].actor("corg"): ("Announce", 2),
    }
    shown = await n["a"].api("GET", f"/calls/{key}/cascade", "aorg")
    by_actor = {node["actor"]: node for node in shown.json()["nodes"]}
    assert by_actor[n["c"].actor("corg")]["via"] == by_actor[n["b"].actor("borg")]["id"]


async def test_the_call_travels_with_its_origin_down_and_its_deletion_follows(
    network: Network,
) -> None:
    n = await chain(network)
    iri, key = await circle_call(network, n["a"])
    await n["a"].worker.run_until_idle()  # the Create reaches b (which reads a's keys)
    network.router.down.add("a.test")
    mark = len(network.router.requests)
    await network.settle()

    for name, vouched_by in (("c", "b"), ("e", "b"), ("d", "c")):
        kept = await signed_copy(n[name], iri)
        assert kept is not None and kept.key is not None, name
        assert kept.key.vouched_by == n[vouched_by].actor(vouched_by + "org"), name
        assert kept.key.author_inbox == "https://a.test/inbox"
    assert (await signed_copy(n["b"], iri)).key.vouched_by is None  # type: ignore[union-attr]
    assert await holds_live(n["d"], iri) and await trace_of(n["w"], iri) == []
    to_origin = [r for r in network.router.requests[mark:] if r.url.host == "a.test"]
    assert {r.method for r in to_origin} == {"POST"}  # receipts tried; nothing fetched from a

    network.router.down.discard("a.test")
    network.clock.advance(timedelta(hours=2))
    await network.settle()
    async with n["a"].node.db.transaction() as session:
        announced = {e.actor_iri for e in await cascade.of_object(session, iri)}
    assert {n["b"].actor("borg"), n["c"].actor("corg")} <= announced

    withdrawn = await n["a"].api("DELETE", f"/calls/{key}", "aorg")
    assert withdrawn.status_code == 204
    await network.settle()
    for name in "bcde":
        stored = await held(n[name], iri)
        assert stored is not None and stored.deleted_at is not None, name
        assert await signed_copy(n[name], iri) is None, name
    assert await trace_of(n["w"], iri) == []


async def test_a_revision_travels_the_same_path(network: Network) -> None:
    n = await chain(network)
    iri, key = await circle_call(network, n["a"])
    await network.settle()
    revised = await n["a"].api("PATCH", f"/calls/{key}", "aorg", json={"title": "Moved: Sunday"})
    assert revised.status_code == 200, revised.text
    await network.settle()
    for name in "bcde":
        stored = await held(n[name], iri)
        assert stored is not None and stored.fields.title == "Moved: Sunday", name
        kept = await signed_copy(n[name], iri)
        assert kept is not None and kept.document["title"] == "Moved: Sunday", name
    assert await trace_of(n["w"], iri) == []


async def test_no_one_outside_the_circle_may_fetch_it(network: Network) -> None:
    n = await chain(network)
    iri, _ = await circle_call(network, n["a"])
    await network.settle()
    served = await n["b"].node.fetcher.get_json(iri)  # a member's node (its instance actor)
    assert served.document["circle"] is True
    for name in "cdw":  # further down the path, or a stranger: it does not exist
        try:
            await n[name].node.fetcher.get_json(iri)
        except FetchStatus as refused:
            assert refused.status == 404, name
        else:
            raise AssertionError(f"{name} could fetch a circle call it was not addressed")
    unsigned = await n["a"].client.get(iri, headers={"Accept": "application/activity+json"})
    assert unsigned.status_code == 401
    page = await n["a"].client.get(iri, headers={"Accept": "text/html"})
    assert page.status_code == 404


async def test_an_announce_from_no_ally_of_its_addressee_is_ignored(network: Network) -> None:
    a, b, c = await nodes(network, "a", "b", "c")
    await circle(a, "trusted", b)
    await circle(b, "onward", c)
    await ally(b, a, circle="onward")
    await c.api("POST", "/follows", "corg", json={"target": b.handle("borg")})  # follows, no ally
    await network.settle()
    iri, _ = await circle_call(network, a)
    await network.settle()
    assert await hops_sent(b, iri) == [1]  # b sent it to c, which does not trust b
    assert await kept_of(c, iri) == []  # received, and dropped


async def test_one_node_two_organisations_only_the_addressed_reads(network: Network) -> None:
    a, b = await nodes(network, "a", "b")
    await b.add_org("bystander")
    await circle(a, "trusted", b)
    await b.api("POST", "/allies", "bystander", json={"actor": a.handle("aorg")})
    await network.settle()
    iri, key = await circle_call(network, a)
    await network.settle()
    assert (await b.api("GET", f"/calls/{key}/cascade", org(b))).status_code == 200
    hidden = await b.api("GET", f"/calls/{key}/cascade", "bystander")
    assert hidden.status_code == 404
    pledge = await b.api("POST", f"/calls/{key}/pledges", "bystander", json={"content": "Yes"})
    assert pledge.status_code == 404
    assert (await b.api("POST", f"/calls/{key}/amplify", "bystander")).status_code in (400, 404)
    answered = await b.api("POST", f"/calls/{key}/pledges", org(b), json={"content": "We can"})
    assert answered.status_code == 202, answered.text
    await network.settle()
    responses = (await a.api("GET", f"/calls/{key}/responses", "aorg")).json()
    assert [p["actor"] for p in responses["pledges"]] == [b.actor("borg")]
    assert iri in str(responses)


async def test_organisations_on_one_node_pass_it_on_in_process(network: Network) -> None:
    a, b = await nodes(network, "a", "b")
    await b.add_org("neighbour")
    neighbour = b.actor("neighbour")
    await circle(a, "trusted", b)
    await b.api("POST", "/circles", "borg", json={"name": "local", "members": [neighbour]})
    await ally(b, a, circle="local")
    await b.api("POST", "/allies", "neighbour", json={"actor": b.handle("borg")})
    await network.settle()
    iri, key = await circle_call(network, a)
    await network.settle()
    assert await hops_sent(b, iri) == [1]
    reads = await b.api("GET", f"/calls/{key}/cascade", "neighbour")
    assert reads.status_code == 200
    hops = sorted(node["hop"] for node in reads.json()["nodes"])
    assert hops == [0, 1]


async def test_manual_approval_needs_a_circle_to_pass_it_on_to(network: Network) -> None:
    a, b, c = await nodes(network, "a", "b", "c")
    await circle(a, "trusted", b)
    await circle(b, "onward", c)
    await ally(b, a, "manual", circle="onward")
    await ally(c, b)
    await network.settle()
    iri, _ = await circle_call(network, a)
    await network.settle()
    [pending] = (await b.api("GET", "/amplifications/pending", "borg")).json()["pending"]
    assert (await b.api("DELETE", "/circles/onward", "borg")).status_code == 204
    refused = await b.api("POST", f"/amplifications/{pending['id']}/approve", "borg")
    assert refused.status_code == 400 and "no circle" in refused.json()["error"]
    await circle(b, "onward", c)
    await ally(b, a, "manual", circle="onward")
    approved = await b.api("POST", f"/amplifications/{pending['id']}/approve", "borg")
    assert approved.status_code == 200, approved.text
    await network.settle()
    assert await holds_live(c, iri)


async def test_max_hops_and_the_cap_bound_the_trusted_cascade(network: Network) -> None:
    n = await chain(network)
    iri, _ = await circle_call(network, n["a"], max_hops=1)
    await network.settle()
    assert [await hops_sent(n[x], iri) for x in "bc"] == [[1], []]
    assert await holds_live(n["c"], iri) and not await holds_live(n["d"], iri)
    capped = await n["c"].api("PATCH", "/organisation", "corg", json={"max_hops": 1})
    assert capped.status_code == 200
    second, _ = await circle_call(network, n["a"])
    await network.settle()
    assert [await hops_sent(n[x], second) for x in "bc"] == [[1], []]
