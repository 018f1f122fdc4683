"""Strategies and calls between full nodes in one process: publish, revise, pin, withdraw;
visibility and authorized fetch; responses and pledges coming back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from node.activitypub.keys import load_private_key
from node.activitypub.signatures import sign_request
from node.activitypub.vocabulary import PUBLIC
from node.storage import objects
from tests.support.network import Member, Network

CALL = {
    "title": "Court hearing in Warsaw: fill the room",
    "content": "Our activists face charges on **Monday**. Come to court, #solidarity.",
    "urgency": "high",
    "regions": ["PL", "Warsaw"],
    "actions": ["Come to the hearing", "Share this call"],
    "themes": ["court_support"],
    "max_hops": 4,
}


async def linked(network: Network) -> tuple[Member, Member, str, str]:
    a = await network.add("a")
    b = await network.add("b")
    alpha = await a.add_org("alpha")
    beta = await b.add_org("beta")
    await b.api("POST", "/follows", "beta", json={"target": a.handle("alpha")})
    await network.settle()
    return a, b, alpha, beta


def call_body(network: Network, **extra: Any) -> dict[str, Any]:
    deadline = (network.clock.now() + timedelta(days=3)).isoformat()
    return CALL | {"deadline": deadline} | extra


async def received(member: Member, iri: str) -> objects.StoredObject | None:
    async with member.node.db.transaction() as session:
        return await objects.get(session, iri)


async def test_a_call_reaches_followers_as_a_note_with_everything_said(network: Network) -> None:
    a, b, alpha, _ = await linked(network)
    made = await a.api("POST", "/calls", "alpha", json=call_body(network))
    assert made.status_code == 201, made.text
    iri = made.json()["id"]
    await network.settle()
    stored = await received(b, iri)
    assert stored is not None and stored.kind == "call" and stored.type == "Note"
    fields = stored.fields
    assert fields.title == CALL["title"] and fields.urgency == "high"
    assert set(fields.regions) == {"PL", "Warsaw"} and fields.max_hops == 4
    assert fields.deadline is not None and fields.visibility == "public"
    note = stored.document
    assert note["to"] == [PUBLIC] and note["cc"] == [f"{alpha}/followers"]
    for words in ("Call for solidarity", "Deadline:", "Regions: PL, Warsaw", "Come to the hearing"):
        assert words in note["content"]
    assert "name" not in note and note["summary"] is None  # no content warning
    assert any(t["type"] == "Hashtag" and t["name"] == "#solidarity" for t in note["tag"])
    assert note["content"].count("#<span>solidarity</span>") == 1  # linked in the text only
    assert "#<span>CourtSupport</span>" in note["content"]  # the theme, linked at the end
    served = await a.client.get(iri, headers={"Accept": "application/activity+json"})
    assert served.status_code == 200 and served.json()["id"] == iri
    page = await a.client.get(iri, headers={"Accept": "text/html"})
    assert page.status_code == 200 and CALL["title"] in page.text


async def test_a_strategy_is_an_article_whose_summary_stands_alone(network: Network) -> None:
    a, b, _, _ = await linked(network)
    body = {
        "title": "Legal observers at every protest",
        "content": "## Why\n\nObservers deter abuse.\n\n## How\n\nTrain in pairs.",
        "themes": ["legal"],
        "language": "en-GB",
    }
    made = await a.api("POST", "/strategies", "alpha", json=body)
    assert made.status_code == 201, made.text
    await network.settle()
    stored = await received(b, made.json()["id"])
    assert stored is not None and stored.type == "Article" and stored.kind == "strategy"
    article = stored.document
    assert article["name"] == body["title"]
    assert article["summary"].startswith("Why Observers deter abuse.")
    assert article["contentMap"] == {"en-GB": article["content"]}
    assert "<h2>" not in article["content"] and "<strong>Why</strong>" in article["content"]


async def test_revise_pin_and_withdraw(network: Network) -> None:
    a, b, alpha, _ = await linked(network)
    iri = (await a.api("POST", "/calls", "alpha", json=call_body(network))).json()["id"]
    key = iri.rsplit("/", 1)[-1]
    await network.settle()
    revised = await a.api("PATCH", f"/calls/{key}", "alpha", json={"urgency": "critical"})
    assert revised.status_code == 200, revised.text
    await network.settle()
    stored = await received(b, iri)
    assert stored is not None and stored.fields.urgency == "critical"
    assert "updated" in stored.document
    pinned = await a.api("POST", f"/calls/{key}/pin", "alpha")
    assert pinned.json()["pinned"] is True
    featured = (await a.client.get(f"{alpha}/featured?page=1")).json()
    assert [item["id"] for item in featured["orderedItems"]] == [iri]
    assert (await a.api("DELETE", f"/calls/{key}", "alpha")).status_code == 204
    await network.settle()
    gone = await a.client.get(iri, headers={"Accept": "application/activity+json"})
    assert gone.status_code == 410 and gone.json()["type"] == "Tombstone"
    stored = await received(b, iri)
    assert stored is not None and stored.deleted_at is not None
    assert (await a.client.get(f"{alpha}/featured")).json()["totalItems"] == 0


async def test_bad_input_is_refused_clearly(network: Network) -> None:
    a = await network.add("a")
    await a.add_org("alpha")
    cases = [
        ({}, "title"),
        (call_body(network, urgency="apocalyptic"), "urgency"),
        (call_body(network, deadline="2020-01-01T00:00:00Z"), "future"),
        (call_body(network, deadline="tomorrow"), "ISO 8601"),
        (call_body(network, regions=["XX"]), "ISO 3166"),
        (call_body(network, language="not a tag"), "BCP 47"),
        (call_body(network, visibility="secret"), "visibility"),
        (call_body(network, title="x" * 201), "longer than"),
        (call_body(network, max_hops=-1), "max_hops"),
    ]
    for body, words in cases:
        response = await a.api("POST", "/calls", "alpha", json=body)
        assert response.status_code == 400, (body, response.text)
        assert words in response.json()["error"]
    unauthenticated = await a.client.post("/api/v1/calls", json=call_body(network))
    assert unauthenticated.status_code == 401


def signed_get(member: Member, org: str, url: str, now: Any) -> dict[str, str]:
    return {"Accept": "application/activity+json"} | sign_request(
        "GET",
        url,
        {"Accept": "application/activity+json"},
        b"",
        f"{member.actor(org)}#main-key",
        load_private_key(member.private_key(org)),
        now,
    )


async def test_followers_only_call_is_served_only_to_its_audience(network: Network) -> None:
    a, b, _, _ = await linked(network)
    c = await network.add("c")
    await c.add_org("gamma")
    made = await a.api("POST", "/calls", "alpha", json=call_body(network, visibility="followers"))
    iri = made.json()["id"]
    await network.settle()
    stored = await received(b, iri)
    assert stored is not None and stored.visibility == "followers"
    unsigned = await a.client.get(iri, headers={"Accept": "application/activity+json"})
    assert unsigned.status_code == 401
    page = await a.client.get(iri, headers={"Accept": "text/html"})
    assert page.status_code == 404
    now = network.clock.now()
    follower = await a.client.get(iri, headers=signed_get(b, "beta", iri, now))
    assert follower.status_code == 200 and follower.json()["id"] == iri
    stranger = await a.client.get(iri, headers=signed_get(c, "gamma", iri, now))
    assert stranger.status_code == 404
    outbox = (await a.client.get(f"{a.actor('alpha')}/outbox?page=1")).json()
    assert outbox["orderedItems"] == []


async def test_replies_likes_announces_and_pledges_come_back(network: Network) -> None:
    a, b, _, _ = await linked(network)
    iri = (await a.api("POST", "/calls", "alpha", json=call_body(network))).json()["id"]
    key = iri.rsplit("/", 1)[-1]
    await network.settle()
    pledged = await b.api("POST", f"/calls/{key}/pledges", "beta", json={"content": "We come!"})
    assert pledged.status_code == 202, pledged.text
    await network.settle()
    found = (await a.api("GET", f"/calls/{key}/responses", "alpha")).json()
    assert [p["actor"] for p in found["pledges"]] == [b.actor("beta")]
    assert "We come!" in found["pledges"][0]["content"]
    served = (await a.client.get(iri, headers={"Accept": "application/activity+json"})).json()
    assert served["replies"]["totalItems"] == 1
