"""Follows both ways between the real node and a Fedify peer, every signature verified.

The peer follows @alpha by WebFinger over https and gets a signed Accept, mentions alpha in a
Note the node stores, and unfollows; alpha follows the peer by handle and receives its post.
The node's side is read through its API and its database; the peer's through /control/.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from node.activitypub.sanitize import sanitize_incoming
from tests.interop.interop_harness import FedifyPeer, Json, LiveNode, NodeFactory, PeerFactory
from tests.interop.node_state import AS2, eventually, inbox_rows, posts_to, stored_object, token_for

pytestmark = pytest.mark.interop


# --- the node's side: its API ----------------------------------------------------------


def api_get(node: LiveNode, token: str, path: str) -> Json:
    with node.client() as client:
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, (path, response.status_code, response.text)
    answer: Json = response.json()
    return answer


def total_items(node: LiveNode, collection: str) -> int:
    with node.client() as client:
        response = client.get(collection, headers={"Accept": AS2})
    assert response.status_code == 200, (collection, response.status_code, response.text)
    return int(response.json()["totalItems"])


# --- the peer's side -------------------------------------------------------------------


def assert_verified_from(entry: Json, actor: str) -> None:
    """Fedify authenticated the inbox POST and its own verifyRequest names `actor`'s key."""
    signature = entry["httpSignature"]
    assert entry["verified"] and entry["status"] in (200, 202), entry
    assert signature["verified"], signature
    assert signature["keyId"] == f"{actor}#main-key", signature
    assert signature["keyOwner"] == actor, signature


def accepted_followers(node: LiveNode, token: str) -> list[Json]:
    found: list[Json] = api_get(node, token, "/api/v1/followers")["followers"]
    return found


def peer_follows_alpha(node: LiveNode, peer: FedifyPeer) -> tuple[Json, Json]:
    """The peer follows @alpha@127.0.0.1:PORT; returns (the sent Follow, the Accept entry)."""
    sent = peer.follow(node.handle("alpha"))
    accept = peer.wait_for_activity("Accept", lambda e: e["parsedObject"] == sent["id"])
    return sent, accept


# --- tests -----------------------------------------------------------------------------


def test_peer_follows_alpha_and_gets_a_signed_accept(
    live_node: LiveNode, start_fedify_peer: PeerFactory
) -> None:
    peer = start_fedify_peer("peer", "--tls")
    alpha = live_node.actors["alpha"]
    token = token_for(live_node, "alpha")

    sent, accept = peer_follows_alpha(live_node, peer)

    assert sent["target"] == alpha
    assert_verified_from(accept, alpha)
    assert accept["handled"] == "Accept" and accept["actor"] == alpha
    embedded = accept["activity"]["object"]
    assert isinstance(embedded, dict), "the Accept must embed the Follow"
    assert (embedded["id"], embedded["type"]) == (sent["id"], "Follow")
    assert (embedded["actor"], embedded["object"]) == (peer.actor, alpha)
    assert peer.wait_following(alpha)["answer"] == accept["id"]
    followers = accepted_followers(live_node, token)
    assert [(f["actor"], f["state"], f["id"]) for f in followers] == [
        (peer.actor, "accepted", sent["id"])
    ]
    assert total_items(live_node, f"{alpha}/followers") == 1
    assert [(r["signature"]["scheme"], r["status"]) for r in posts_to(peer, live_node)] == [
        ("rfc9421", 202)
    ]


def test_note_mentioning_alpha_is_verified_and_stored(
    live_node: LiveNode, start_fedify_peer: PeerFactory
) -> None:
    peer = start_fedify_peer("peer", "--tls")
    alpha = live_node.actors["alpha"]
    content = f'<p>Solidarity, <a href="{alpha}">@alpha</a>!</p>'

    sent = peer.create_note(content, mention=live_node.handle("alpha"))

    assert sent["recipients"] == [alpha]
    [post] = posts_to(peer, live_node)
    assert (post["url"], post["status"]) == (f"{alpha}/inbox", 202)
    stored = eventually(
        lambda: stored_object(live_node, sent["object"]), "the Note stored", live_node, peer
    )
    assert (stored.type, stored.actor_iri, stored.local_actor_id) == ("Note", peer.actor, None)
    assert stored.deleted_at is None
    assert stored.document["attributedTo"] == peer.actor
    assert stored.document["content"] == sanitize_incoming(content)  # links get rel/target
    tags = stored.document["tag"]
    tags = tags if isinstance(tags, list) else [tags]
    assert {"type": "Mention", "href": alpha, "name": live_node.handle("alpha")} in tags
    # The Note is stored before its inbox item is marked done (the effects run in between).
    item = eventually(
        lambda: next(
            (
                r
                for r in inbox_rows(live_node)
                if r["activity"] == sent["id"] and r["state"] == "done"
            ),
            None,
        ),
        "the Create's inbox item done",
        live_node,
        peer,
    )
    assert (item["type"], item["recipient"]) == ("Create", "alpha"), item


def test_peer_unfollows_alpha(live_node: LiveNode, start_fedify_peer: PeerFactory) -> None:
    peer = start_fedify_peer("peer", "--tls")
    alpha = live_node.actors["alpha"]
    token = token_for(live_node, "alpha")
    sent, _ = peer_follows_alpha(live_node, peer)
    peer.wait_following(alpha)
    assert [f["actor"] for f in accepted_followers(live_node, token)] == [peer.actor]

    undo = peer.unfollow(alpha)

    assert undo["recipients"] == [alpha]
    assert [p["status"] for p in posts_to(peer, live_node)] == [202, 202]  # Follow, Undo
    eventually(
        lambda: accepted_followers(live_node, token) == [], "the follower removed", live_node, peer
    )
    assert total_items(live_node, f"{alpha}/followers") == 0
    kinds = {r["activity"]: (r["type"], r["state"]) for r in inbox_rows(live_node)}
    assert kinds[sent["id"]] == ("Follow", "done")
    assert kinds[undo["id"]] == ("Undo", "done")


def test_alpha_follows_the_peer_and_receives_its_post(
    live_node: LiveNode, start_fedify_peer: PeerFactory
) -> None:
    peer = start_fedify_peer("peer", "--tls", "--require-signed-fetch")
    alpha = live_node.actors["alpha"]
    token = token_for(live_node, "alpha")

    with live_node.client() as client:
        response = client.post(
            "/api/v1/follows",
            json={"target": peer.handle},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 202, response.text
    made = response.json()
    assert (made["target"], made["state"]) == (peer.actor, "pending")

    follow = peer.wait_for_activity("Follow", lambda e: e["id"] == made["id"])
    assert_verified_from(follow, alpha)
    assert follow["handled"] == "Follow" and follow["parsedObject"] == peer.actor
    assert [f["id"] for f in peer.followers()] == [alpha]

    def accepted() -> list[Json]:
        follows: list[Json] = api_get(live_node, token, "/api/v1/follows")["follows"]
        return [f for f in follows if f["target"] == peer.actor and f["state"] == "accepted"]

    [listed] = eventually(accepted, "alpha's follow to be accepted", live_node, peer)
    assert listed["id"] == made["id"]
    assert total_items(live_node, f"{alpha}/following") == 1

    sent = peer.create_note("<p>News for my followers</p>")

    assert sent["followers"] is True
    stored = eventually(
        lambda: stored_object(live_node, sent["object"]), "the post stored", live_node, peer
    )
    assert (stored.type, stored.actor_iri, stored.visibility) == ("Note", peer.actor, "public")
    assert stored.document["attributedTo"] == peer.actor
    assert stored.document["content"] == "<p>News for my followers</p>"
    posts = posts_to(peer, live_node)
    assert [p["status"] for p in posts] == [202, 202], posts  # the Accept, then the Create
    assert posts[1]["url"] == f"{live_node.base_url}/inbox"  # followers: the shared inbox
    [item] = [r for r in inbox_rows(live_node) if r["activity"] == sent["id"]]
    assert (item["type"], item["recipient"], item["state"]) == ("Create", None, "done"), item


@pytest.mark.parametrize("first_knock", ["rfc9421", "draft-cavage-http-signatures-12"])
def test_signature_schemes_both_ways(
    first_knock: str,
    start_live_node: NodeFactory,
    start_fedify_peer: PeerFactory,
    record_property: Callable[[str, object], None],
) -> None:
    """Fedify double-knocks: it signs with `first_knock` and retries with the other scheme
    after a 4xx. The node must accept the first knock. It signs draft-cavage itself, POSTs
    with the organisation's key and GETs with the instance actor's, both verified by Fedify."""
    node = start_live_node("node", orgs={"alpha": ("Alpha", "")})
    peer = start_fedify_peer(
        "peer", "--tls", "--first-knock", first_knock, "--require-signed-fetch"
    )
    alpha = node.actors["alpha"]

    sent, accept = peer_follows_alpha(node, peer)
    created = peer.create_note("<p>Second delivery</p>", mention=alpha)
    eventually(lambda: stored_object(node, created["object"]), "the Note stored", node, peer)

    def all_done() -> bool | None:
        rows = inbox_rows(node)
        return (len(rows) >= 2 and all(r["state"] == "done" for r in rows)) or None

    eventually(all_done, "both inbox items processed", node, peer)
    posts = posts_to(peer, node)
    expected = "rfc9421" if first_knock == "rfc9421" else "draft-cavage"
    assert [(p["signature"]["scheme"], p["status"]) for p in posts] == [(expected, 202)] * 2
    assert " 401 " not in node.process.stdout.read_text()
    received = {r["activity"]: r["state"] for r in inbox_rows(node)}
    assert received == {sent["id"]: "done", created["id"]: "done"}
    assert_verified_from(accept, alpha)
    signed_post = accept["httpSignature"]
    assert (signed_post["scheme"], signed_post["algorithm"]) == ("draft-cavage", "rsa-sha256")
    assert {"(request-target)", "host", "date", "digest"} <= set(signed_post["components"])
    fetches = [r for r in peer.get("requests")["items"] if r["path"] == "/users/peer"]
    assert fetches, "the node never fetched the peer's actor"
    for fetch in fetches:  # the peer requires signed fetches: 200 means Fedify verified it
        signature = fetch["signature"]
        assert (fetch["status"], signature["scheme"]) == (200, "draft-cavage"), fetch
        assert signature["keyId"] == f"{node.base_url}/actor#main-key", fetch
    record_property("peer_to_node_posts", sorted({p["signature"]["scheme"] for p in posts}))
    record_property("node_to_peer_posts", signed_post["scheme"])
    record_property("node_to_peer_gets", sorted({f["signature"]["scheme"] for f in fetches}))


def test_node_refuses_the_peers_activity_unsigned(
    live_node: LiveNode, start_fedify_peer: PeerFactory
) -> None:
    """The premise of reading 202 as 'verified': the same inbox refuses an unsigned copy."""
    peer = start_fedify_peer("peer", "--tls")
    alpha = live_node.actors["alpha"]
    note = f"{peer.origin}/notes/unsigned"
    unsigned = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.origin}/creates/unsigned",
        "type": "Create",
        "actor": peer.actor,
        "object": {"id": note, "type": "Note", "attributedTo": peer.actor, "content": "x"},
    }

    with live_node.client() as client:
        response = client.post(f"{alpha}/inbox", json=unsigned, headers={"Content-Type": AS2})

    assert response.status_code == 401, response.text
    assert inbox_rows(live_node) == []
    assert stored_object(live_node, note) is None
