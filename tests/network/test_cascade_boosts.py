"""A Mastodon-style boost of a cascading call: a person's plain Announce (no `via`, no `hop`,
as captured in tests/payloads/mastodon/announce.json), really signed and delivered to the nodes'
inboxes. It hangs under the amplifier the booster follows where that is known, else under the
root, and it never makes an organisation amplify twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from node.activitypub.vocabulary import CONTEXT
from tests.network.test_cascade_in_process import ally, nodes, publish, sent, tree
from tests.support.actors import FakeActor, RemoteHost, post_signed
from tests.support.network import Member, Network

CAPTURE = Path(__file__).parent.parent / "payloads" / "mastodon" / "announce.json"
CAPTURED_ACTOR = "http://mastodon.example.org/users/admin"
CAPTURED_STATUS = "http://mastodon.example.org/@admin/99541947525187367"


def boost_of(call: str, person: FakeActor) -> dict[str, Any]:
    """The captured boost, sent by `person` on its own host, of the call."""
    text = CAPTURE.read_text(encoding="utf-8")
    text = text.replace(CAPTURED_STATUS, call).replace(CAPTURED_ACTOR, person.iri)
    origin = person.iri.split("/users/")[0]
    return dict(json.loads(text.replace("http://mastodon.example.org", origin)))


async def deliver(network: Network, person: FakeActor, member: Member, doc: dict[str, Any]) -> None:
    answer = await post_signed(
        member.client, person, f"{member.base}/inbox", doc, network.clock.now()
    )
    assert answer.status_code == 202, answer.text


async def test_a_plain_boost_hangs_under_the_amplifier_followed_or_the_root(
    network: Network,
) -> None:
    a, b, c = await nodes(network, "a", "b", "c")
    await ally(b, a)
    await ally(c, b)
    mastodon = RemoteHost("mastodon.test")
    network.router.add(mastodon.host, mastodon.app())
    person = mastodon.actor("admin")
    follow = {
        "@context": CONTEXT,
        "id": f"{person.iri}#follows/1",
        "type": "Follow",
        "actor": person.iri,
        "object": b.actor("borg"),
    }
    await deliver(network, person, b, follow)
    await network.settle()
    iri, key = await publish(network, a)
    boost = boost_of(iri, person)
    assert "via" not in boost and "hop" not in boost
    for member in (a, b, c):
        await deliver(network, person, member, boost)
    await network.settle()

    assert [len(await sent(m, iri)) for m in (a, b, c)] == [0, 1, 1]  # exactly once
    at_b = {n["actor"]: n for n in (await tree(b, key))["nodes"]}
    boosted = at_b[person.iri]
    assert boosted["via"] == at_b[b.actor("borg")]["id"]  # the booster follows borg
    assert boosted["hop"] == 2 and boosted["inferred"] is True
    at_a = {n["actor"]: n for n in (await tree(a, key))["nodes"]}
    root = at_a[a.actor("aorg")]
    assert at_a[person.iri]["via"] == root["id"] and at_a[person.iri]["hop"] == 1
    assert at_a[person.iri]["inferred"] is True
    assert {n["actor"] for n in at_a.values() if not n["inferred"]} == {
        a.actor("aorg"),
        b.actor("borg"),
        c.actor("corg"),
    }


async def test_a_plain_boost_from_an_ally_amplifies_once(network: Network) -> None:
    """An organisation that allies the person amplifies its boost (hop 1 -> 2), and does not
    amplify again when the call reaches it by another ally."""
    a, b, c = await nodes(network, "a", "b", "c")
    await ally(b, a)
    await ally(c, b)
    mastodon = RemoteHost("mastodon.test")
    network.router.add(mastodon.host, mastodon.app())
    person = mastodon.actor("admin")
    made = await c.api("POST", "/allies", "corg", json={"actor": person.iri, "amplify": "auto"})
    assert made.status_code == 201, made.text
    await network.settle()
    iri, _key = await publish(network, a)
    before = await sent(c, iri)
    assert [row.hop for row in before] == [2]
    await deliver(network, person, c, boost_of(iri, person))
    await network.settle()
    assert await sent(c, iri) == before
