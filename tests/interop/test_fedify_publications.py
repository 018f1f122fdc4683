"""Strategies and calls as a Fedify-based follower sees them, every signature verified.

The peer follows @alpha; alpha publishes through its API. What is checked on the peer's side
is what Fedify's own vocabulary parsed of each delivery (`entry["fedify"]`: class, name,
summary, content, contentMap, to/cc, tags), not the JSON the node wrote. The peer then
replies, likes, announces and undoes; fetches a followers-only call signed and unsigned; and
receives Update and Delete.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.interop.interop_harness import FedifyPeer, Json, LiveNode, PeerFactory
from tests.interop.node_state import AS2, delivery_rows, eventually, inbox_rows, token_for

pytestmark = pytest.mark.interop
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AS = "https://www.w3.org/ns/activitystreams#"

CALL = {
    "title": "Court hearing in Warsaw: fill the room",
    "content": "Our activists face charges on **Monday**. Come to court, #solidarity.",
    "urgency": "high",
    "regions": ["PL", "Warsaw"],
    "actions": ["Come to the hearing", "Share this call"],
    "themes": ["court_support"],
}
STRATEGY = {
    "title": "Legal observers at every protest",
    "summary": "Trained observers in pairs deter abuse and document arrests.",
    "content": "## Why\n\nObservers deter abuse. #legal\n\n## How\n\nTrain in pairs.",
    "themes": ["legal_observers"],
    "language": "en-GB",
}


# --- the node's side -------------------------------------------------------------------


def api(node: LiveNode, token: str, method: str, path: str, body: Json | None = None) -> Any:
    with node.client() as client:
        response = client.request(
            method, f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code in (200, 201, 202, 204), (path, response.status_code, response.text)
    return response.json() if response.content else None


def deadline_in(days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(second=0, microsecond=0)


def in_words(deadline: datetime) -> str:
    """How the call's content states the deadline (render_publications.human_deadline)."""
    return f"{deadline.day} {deadline:%B %Y, %H:%M} UTC"


def publish_call(node: LiveNode, token: str, deadline: datetime, **extra: Any) -> Json:
    body = CALL | {"deadline": deadline.isoformat()} | extra
    made: Json = api(node, token, "POST", "/calls", body)
    return made


def publish_strategy(node: LiveNode, token: str, **extra: Any) -> Json:
    made: Json = api(node, token, "POST", "/strategies", STRATEGY | extra)
    return made


def responses(node: LiveNode, token: str, key: str) -> Json:
    found: Json = api(node, token, "GET", f"/calls/{key}/responses")
    return found


# --- the peer's side -------------------------------------------------------------------


def follow_alpha(node: LiveNode, peer: FedifyPeer) -> None:
    peer.follow(node.handle("alpha"))
    peer.wait_following(node.actors["alpha"])


def follower_of_alpha(node: LiveNode, start_fedify_peer: PeerFactory) -> tuple[FedifyPeer, str]:
    """A peer (over https) that follows alpha, and a token of alpha's for the node's API."""
    peer = start_fedify_peer("peer", "--tls")
    token = token_for(node, "alpha")
    follow_alpha(node, peer)
    return peer, token


def received(node: LiveNode, peer: FedifyPeer, type_: str, object_iri: str) -> Json:
    """The peer's inbox entry of `type_` about `object_iri`, checked verified and parsed."""

    def found() -> Json | None:
        return next(
            (e for e in peer.inbox() if e["type"] == type_ and e["parsedObject"] == object_iri),
            None,
        )

    entry: Json = eventually(found, f"a {type_} of {object_iri} at the peer", node, peer)
    alpha = node.actors["alpha"]
    signature = entry["httpSignature"]
    assert entry["verified"] and entry["status"] in (200, 202), entry
    assert (signature["verified"], signature["keyOwner"]) == (True, alpha), signature
    assert entry["handled"] == type_, entry
    assert "error" not in entry["fedify"], entry["fedify"]
    return entry


def parsed_object(entry: Json) -> Json:
    """What Fedify's vocabulary made of the delivered object."""
    parsed: Json = entry["fedify"]["object"]
    return parsed


def tags_of(parsed: Json) -> set[tuple[str, str, str]]:
    return {(t["type"], t["name"], t["href"]) for t in parsed["tags"]}


def totals(parsed: Json) -> dict[str, int]:
    """replies, likes and shares as Fedify read their totalItems."""
    return {name: parsed[name]["totalItems"] for name in ("replies", "likes", "shares")}


def addressing(parsed: Json) -> tuple[list[str], list[str]]:
    return parsed["to"], parsed["cc"]


def expected_addressing(visibility: str, followers: str) -> tuple[list[str], list[str]]:
    """Mastodon's reading of visibility (research/interop.md §4.6)."""
    return {
        "public": ([PUBLIC], [followers]),
        "unlisted": ([followers], [PUBLIC]),
        "followers": ([followers], []),
    }[visibility]


# --- tests -----------------------------------------------------------------------------


def test_follower_gets_a_call_as_a_note_and_a_strategy_as_an_article(
    live_node: LiveNode,
    start_fedify_peer: PeerFactory,
    record_property: Callable[[str, object], None],
) -> None:
    peer, token = follower_of_alpha(live_node, start_fedify_peer)
    alpha = live_node.actors["alpha"]
    deadline = deadline_in(3)
    tag_base = f"{live_node.base_url}/tags"

    call = publish_call(live_node, token, deadline)
    strategy = publish_strategy(live_node, token)

    entry = received(live_node, peer, "Create", call["id"])
    assert entry["path"] == "/inbox"  # a follower: the shared inbox
    note = parsed_object(entry)
    record_property("fedify_call", note)
    assert (note["type"], note["typeId"]) == ("Note", f"{AS}Note")
    assert (note["id"], note["url"], note["attributedTo"]) == (call["id"], call["url"], alpha)
    assert note["name"] is None and note["summary"] is None
    content = note["content"]
    for words in (
        f"Call for solidarity: {CALL['title']}",
        "Our activists face charges on <strong>Monday</strong>",
        "High urgency",
        f"Deadline: {in_words(deadline)}",
        "Regions: PL, Warsaw",
        "<li>Come to the hearing</li>",
        "<li>Share this call</li>",
    ):
        assert words in content, (words, content)
    assert note["contentMap"] == {"en": content}
    assert tags_of(note) == {
        ("Hashtag", "#solidarity", f"{tag_base}/solidarity"),
        ("Hashtag", "#CourtSupport", f"{tag_base}/courtsupport"),
    }
    assert addressing(note) == ([PUBLIC], [f"{alpha}/followers"])
    assert addressing(entry["fedify"]["activity"]) == addressing(note)
    assert note["published"] and note["updated"] is None and note["inReplyTo"] is None
    assert totals(note) == {"replies": 0, "likes": 0, "shares": 0}

    entry = received(live_node, peer, "Create", strategy["id"])
    article = parsed_object(entry)
    record_property("fedify_strategy", article)
    assert (article["type"], article["typeId"]) == ("Article", f"{AS}Article")
    assert (article["id"], article["attributedTo"]) == (strategy["id"], alpha)
    assert article["name"] == STRATEGY["title"]
    assert article["summary"] == STRATEGY["summary"]
    assert "<strong>Why</strong>" in article["content"] and "Train in pairs." in article["content"]
    assert "<h2>" not in article["content"]
    assert article["contentMap"] == {"en-GB": article["content"]}
    assert tags_of(article) == {
        ("Hashtag", "#legal", f"{tag_base}/legal"),
        ("Hashtag", "#LegalObservers", f"{tag_base}/legalobservers"),
    }
    assert addressing(article) == ([PUBLIC], [f"{alpha}/followers"])


def test_each_visibility_is_addressed_as_mastodon_reads_it(
    live_node: LiveNode,
    start_fedify_peer: PeerFactory,
    record_property: Callable[[str, object], None],
) -> None:
    peer, token = follower_of_alpha(live_node, start_fedify_peer)
    followers = f"{live_node.actors['alpha']}/followers"
    deadline = deadline_in(2)

    published = {
        (kind, visibility): (
            publish_call(live_node, token, deadline, visibility=visibility)
            if kind == "call"
            else publish_strategy(live_node, token, visibility=visibility)
        )
        for visibility in ("public", "unlisted", "followers")
        for kind in ("call", "strategy")
    }

    seen = {}
    for (kind, visibility), made in published.items():
        entry = received(live_node, peer, "Create", made["id"])
        parsed = parsed_object(entry)
        expected = expected_addressing(visibility, followers)
        seen[f"{kind} {visibility}"] = addressing(parsed)
        assert parsed["type"] == ("Note" if kind == "call" else "Article"), parsed
        assert addressing(parsed) == expected, (kind, visibility, parsed)
        assert addressing(entry["fedify"]["activity"]) == expected, (kind, visibility)
    record_property("fedify_addressing", seen)


def test_direct_call_reaches_only_the_mentioned_actor(
    live_node: LiveNode,
    start_fedify_peer: PeerFactory,
    record_property: Callable[[str, object], None],
) -> None:
    """A direct call mentioning @peer goes to the peer's own inbox, addressed to it alone;
    another follower of alpha gets nothing of it (checked after a later followers-only call
    reached that follower, and in the node's delivery rows)."""
    peer = start_fedify_peer("peer", "--tls")
    bystander = start_fedify_peer("bystander", "--tls")
    token = token_for(live_node, "alpha")
    follow_alpha(live_node, peer)
    follow_alpha(live_node, bystander)
    mention = f"Please come, {peer.handle}: we need you in court."

    call = publish_call(live_node, token, deadline_in(2), visibility="direct", content=mention)
    strategy = publish_strategy(live_node, token, visibility="direct", content=mention)
    later = publish_call(live_node, token, deadline_in(2), visibility="followers")

    for made in (call, strategy):
        entry = received(live_node, peer, "Create", made["id"])
        assert entry["path"] == "/users/peer/inbox", entry["path"]
        parsed = parsed_object(entry)
        record_property(f"fedify_direct_{parsed['type']}", parsed)
        assert addressing(parsed) == ([peer.actor], []), parsed
        assert addressing(entry["fedify"]["activity"]) == ([peer.actor], [])
        assert ("Mention", peer.handle, peer.actor) in tags_of(parsed)
        assert f'href="{peer.actor}"' in parsed["content"], parsed["content"]
    received(live_node, bystander, "Create", later["id"])
    direct = (call["id"], strategy["id"])
    assert not [e for e in bystander.inbox() if e["parsedObject"] in direct], bystander.inbox()
    got = sorted(e["parsedObject"] for e in peer.inbox() if e["parsedObject"] in direct)
    assert got == sorted(direct), "each direct publication reaches the peer exactly once"
    for made in (call, strategy):
        activity = f"{made['id']}/activity"
        inboxes = [r["inbox"] for r in delivery_rows(live_node) if r["activity"] == activity]
        assert inboxes == [f"{peer.origin}/users/peer/inbox"], delivery_rows(live_node)


def test_replies_likes_and_announces_come_back_and_go_when_undone(
    live_node: LiveNode, start_fedify_peer: PeerFactory
) -> None:
    peer, token = follower_of_alpha(live_node, start_fedify_peer)
    alpha = live_node.actors["alpha"]
    call = publish_call(live_node, token, deadline_in(3))
    received(live_node, peer, "Create", call["id"])

    reply = peer.create_note(
        f'<p><a href="{alpha}" class="mention">@alpha</a> We will be there.</p>',
        mention=live_node.handle("alpha"),
        inReplyTo=call["id"],
    )
    like = peer.like(call["id"])
    announce = peer.announce(call["id"])

    assert reply["recipients"] == like["recipients"] == announce["recipients"] == [alpha]

    def all_three() -> Json | None:
        found = responses(live_node, token, call["key"])
        done = found["replies"] and found["likes"] and found["announces"]
        return found if done else None

    found = eventually(all_three, "the reply, like and announce listed", live_node, peer)
    [listed_reply] = found["replies"]
    assert (listed_reply["id"], listed_reply["actor"]) == (reply["object"], peer.actor)
    assert "We will be there." in listed_reply["content"]
    assert [(r["id"], r["actor"]) for r in found["likes"]] == [(like["id"], peer.actor)]
    assert [(r["id"], r["actor"]) for r in found["announces"]] == [(announce["id"], peer.actor)]
    assert found["pledges"] == []
    served = peer.fetch(call["id"])
    assert served["status"] == 200, served
    assert totals(served["parsed"]) == {"replies": 1, "likes": 1, "shares": 1}, served["parsed"]

    undone = [peer.undo(like["id"]), peer.undo(announce["id"]), peer.delete_note(reply["object"])]

    def none_left() -> Json | None:
        found = responses(live_node, token, call["key"])
        empty = not (found["replies"] or found["likes"] or found["announces"])
        return found if empty else None

    eventually(none_left, "the reply, like and announce gone", live_node, peer)
    served = peer.fetch(call["id"])
    assert totals(served["parsed"]) == {"replies": 0, "likes": 0, "shares": 0}, served["parsed"]
    sent = [reply, like, announce, *undone]

    def settled() -> list[tuple[str, str] | None] | None:
        # The effect commits before the item is marked done: wait for the marks.
        states = {r["activity"]: (r["type"], r["state"]) for r in inbox_rows(live_node)}
        found = [states.get(s["id"]) for s in sent]
        return found if all(f and f[1] in ("done", "rejected", "failed") for f in found) else None

    assert eventually(settled, "the peer's six activities settled", live_node, peer) == [
        ("Create", "done"),
        ("Like", "done"),
        ("Announce", "done"),
        ("Undo", "done"),
        ("Undo", "done"),
        ("Delete", "done"),
    ], inbox_rows(live_node)


def test_followers_only_call_is_served_to_followers_alone(
    live_node: LiveNode, start_fedify_peer: PeerFactory
) -> None:
    peer = start_fedify_peer("peer", "--tls")
    stranger = start_fedify_peer("stranger", "--tls")
    token = token_for(live_node, "alpha")
    follow_alpha(live_node, peer)
    call = publish_call(live_node, token, deadline_in(3), visibility="followers")
    iri = call["id"]

    unsigned = peer.fetch(iri, signed=False)
    assert unsigned["signature"]["scheme"] is None
    assert unsigned["status"] in (401, 404), unsigned
    assert unsigned["lookup"] is None, unsigned["lookup"]
    with live_node.client() as client:
        page = client.get(iri, headers={"Accept": "text/html"})
    assert page.status_code == 404, page.text

    for spec in ("rfc9421", "draft-cavage-http-signatures-12"):
        signed = peer.fetch(iri, spec=spec)
        assert signed["signature"]["keyId"] == f"{peer.actor}#main-key", signed
        assert signed["status"] == 200, (spec, signed)
        assert signed["contentType"].startswith(AS2), signed
        assert (signed["parsed"]["type"], signed["parsed"]["id"]) == ("Note", iri), signed
        assert signed["parsed"]["to"] == [f"{live_node.actors['alpha']}/followers"]
        assert signed["lookup"] is not None and signed["lookup"]["id"] == iri, signed["lookup"]

    refused = stranger.fetch(iri)
    assert refused["signature"]["keyId"] == f"{stranger.actor}#main-key", refused
    assert refused["status"] == 404, refused
    assert refused["lookup"] is None, refused["lookup"]


def test_update_and_delete_reach_the_peer_and_the_id_then_answers_410(
    live_node: LiveNode,
    start_fedify_peer: PeerFactory,
    record_property: Callable[[str, object], None],
) -> None:
    peer, token = follower_of_alpha(live_node, start_fedify_peer)
    alpha = live_node.actors["alpha"]
    call = publish_call(live_node, token, deadline_in(3))
    strategy = publish_strategy(live_node, token)
    for made in (call, strategy):
        received(live_node, peer, "Create", made["id"])

    revised = {"content": "The hearing moved to **Tuesday**.", "urgency": "critical"}
    api(live_node, token, "PATCH", f"/calls/{call['key']}", revised)
    api(live_node, token, "PATCH", f"/strategies/{strategy['key']}", {"title": "Observers, v2"})

    note = parsed_object(received(live_node, peer, "Update", call["id"]))
    record_property("fedify_call_update", note)
    assert (note["type"], note["id"]) == ("Note", call["id"])
    assert "The hearing moved to <strong>Tuesday</strong>." in note["content"], note["content"]
    assert "Critical: urgent" in note["content"] and "Monday" not in note["content"]
    assert note["updated"] is not None and note["updated"] >= note["published"]  # same format
    assert addressing(note) == ([PUBLIC], [f"{alpha}/followers"])
    article = parsed_object(received(live_node, peer, "Update", strategy["id"]))
    assert (article["type"], article["name"], article["summary"]) == (
        "Article",
        "Observers, v2",
        STRATEGY["summary"],
    )
    assert article["updated"] is not None

    api(live_node, token, "DELETE", f"/calls/{call['key']}")

    entry = received(live_node, peer, "Delete", call["id"])
    tombstone = parsed_object(entry)
    record_property("fedify_call_delete", entry["fedify"])
    assert (tombstone["type"], tombstone["id"]) == ("Tombstone", call["id"])
    assert addressing(entry["fedify"]["activity"]) == ([PUBLIC], [f"{alpha}/followers"])
    with live_node.client() as client:
        gone = client.get(call["id"], headers={"Accept": AS2})
    assert gone.status_code == 410, gone.text
    assert (gone.json()["type"], gone.json()["id"]) == ("Tombstone", call["id"])
    assert peer.fetch(call["id"])["status"] == 410
