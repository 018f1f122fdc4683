"""Epicyon, a second independent ActivityPub server (Python, from PyPI), and an organisation
federate both ways: follows, a call, its replies and likes, its revision and withdrawal, and
unfollows, every delivery signed and checked by the side that receives it.

Epicyon verifies the HTTP signature of every POST to its inboxes before it acts on it (posts
it cannot verify are dropped), so each effect seen on its side (a follow kept, a post in its
inbox) is a signature of ours that it verified; its log says so for every request. It sends
`(request-target)` as a header, so the node runs behind support.header_proxy, as behind nginx.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from tests.interop.epicyon_harness import Epicyon, ProxiedNode, proxied_node, start_epicyon
from tests.support.processes import wait_until

pytestmark = pytest.mark.interop
T = TypeVar("T")
AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
VERIFIED = "DEBUG: http header signature check success"
TIMEOUT = 60.0
CALL = {
    "title": "Fill the court room on Monday",
    "content": "Our friends face charges. Come to the hearing.",
    "urgency": "high",
    "deadline": "2030-01-06T09:00Z",
    "regions": ["PL"],
    "actions": ["Come to the hearing"],
    "visibility": "public",
}


def eventually(node: ProxiedNode, peer: Epicyon, check: Callable[[], T | None], what: str) -> T:
    return wait_until(
        check,
        what,
        [node.process, peer.process],
        TIMEOUT,
        interval=0.2,
        evidence=lambda: peer.log()[-6000:],
    )


def listed(node: ProxiedNode, path: str, name: str) -> list[dict[str, Any]]:
    response = node.api("GET", path, "alpha")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()[name]
    return items


def reply_note(peer: Epicyon, number: int, call: str, alpha: str) -> dict[str, Any]:
    """A reply as Epicyon's own client posts it to its outbox (a bare Note, wrapped in a Create
    by the server), addressed as a public reply to the call's author."""
    iri = f"{peer.actor}/statuses/{number}"
    return {
        "@context": AS,
        "id": iri,
        "type": "Note",
        "summary": None,
        "inReplyTo": call,
        "published": "2026-01-05T10:00:00Z",
        "url": f"{peer.origin}/@peer/{number}",
        "attributedTo": peer.actor,
        "to": [PUBLIC],
        "cc": [alpha],
        "sensitive": False,
        "atomUri": iri,
        "inReplyToAtomUri": call,
        "commentsEnabled": True,
        "mediaType": "text/html",
        "content": "<p>We will be there, with banners.</p>",
        "contentMap": {"en": "<p>We will be there, with banners.</p>"},
        "attachment": [],
        "tag": [],
    }


def test_epicyon_and_an_organisation_federate_both_ways(tmp_path: Any) -> None:
    with proxied_node(tmp_path, {"alpha": "Alpha Collective"}) as node:
        peer = start_epicyon(tmp_path)
        try:
            exchange(node, peer)
        finally:
            peer.process.stop()


def raw_post(port: int, header: bytes) -> bytes:
    """The status line and headers a POST with `header` gets from 127.0.0.1:`port`."""
    body = json.dumps(
        {
            "id": "http://x.test/1",
            "type": "Like",
            "actor": "http://x.test/u",
            "object": "http://x.test/o",
        }
    ).encode()
    request = (
        b"POST /inbox HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + b"\r\n"
        b"Content-Type: application/activity+json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n"
        + body
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.partition(b"\r\n\r\n")[0]


def exchange(node: ProxiedNode, peer: Epicyon) -> None:
    alpha, ours = node.actor("alpha"), f"alpha@{node.base_url.split('://')[1]}"

    # 0. a `(request-target)` header line: uvicorn refuses the request before the node runs;
    # through the proxy (as through nginx) the node itself answers (no signature: 401)
    header = b"(request-target): post /inbox"
    refused = raw_post(node.proxy.target, header)
    assert refused.startswith(b"HTTP/1.1 400") and b"x-request-id" not in refused  # not the app
    assert raw_post(node.proxy.port, header).startswith(b"HTTP/1.1 401")

    # 1. Epicyon follows the organisation by its profile URL, as its client does
    peer.post(
        {"@context": AS, "type": "Follow", "actor": peer.actor, "object": f"{node.base_url}/@alpha"}
    )
    followers = eventually(
        node,
        peer,
        lambda: listed(node, "/followers", "followers"),
        "the node to list Epicyon as a follower",
    )
    assert [f["actor"] for f in followers] == [peer.actor]
    assert followers[0]["state"] == "accepted"
    eventually(
        node,
        peer,
        lambda: ours in peer.lines("following.txt"),
        "Epicyon to keep the follow accepted by our signed Accept",
    )
    assert verified(peer, f"{alpha}#accepts/")
    assert any(r.dropped == ("(request-target)",) for r in node.proxy.requests)

    # 2. the organisation follows Epicyon; its Accept has no id
    made = node.api("POST", "/follows", "alpha", json={"target": peer.actor})
    assert made.status_code == 202, made.text
    follow_key = made.json()["id"].rsplit("/", 1)[1]
    eventually(
        node,
        peer,
        lambda: [
            f
            for f in listed(node, "/follows", "follows")
            if f["target"] == peer.actor and f["state"] == "accepted"
        ],
        "our follow of Epicyon to be accepted",
    )
    assert ours in peer.lines("followers.txt")

    # 3. a call reaches Epicyon, which verifies our signature before keeping it
    published = node.api("POST", "/calls", "alpha", json=CALL)
    assert published.status_code == 201, published.text
    call, key = published.json()["id"], published.json()["key"]
    kept = eventually(node, peer, lambda: kept_post(peer, call), "the call in Epicyon's inbox")
    assert kept[0]["actor"] == alpha and kept[0]["object"]["attributedTo"] == alpha
    assert verified(peer, call)

    # 4. Epicyon's reply and like come back into the call's responses
    reply = reply_note(peer, 117700000000000001, call, alpha)
    peer.post(reply)
    peer.post({"@context": AS, "type": "Like", "actor": peer.actor, "object": call, "to": [alpha]})

    def answered() -> dict[str, Any] | None:
        found: dict[str, Any] = node.api("GET", f"/calls/{key}/responses", "alpha").json()
        return found if found["replies"] and found["likes"] else None

    responses = eventually(node, peer, answered, "Epicyon's reply and like in the responses")
    (answer,) = responses["replies"]  # Epicyon numbers the post itself
    assert answer["id"].startswith(f"{peer.actor}/statuses/"), answer
    assert answer["actor"] == peer.actor, answer
    assert "We will be there" in json.dumps(answer), answer
    assert [like["actor"] for like in responses["likes"]] == [peer.actor]

    # 5. the revision and the withdrawal reach Epicyon, signatures verified (Epicyon 1.3 then
    # applies Updates only to polls and actors, and Deletes only of objects named by a string)
    revised = node.api("PATCH", f"/calls/{key}", "alpha", json={"content": "Moved to Tuesday."})
    assert revised.status_code == 200, revised.text
    eventually(
        node, peer, lambda: verified(peer, f"{call}/updates/"), "Epicyon to verify the Update"
    )
    assert node.api("DELETE", f"/calls/{key}", "alpha").status_code in (200, 204)
    eventually(node, peer, lambda: verified(peer, f"{call}#delete"), "Epicyon to verify the Delete")

    # 6. unfollow both ways
    peer.post(
        {
            "@context": AS,
            "type": "Undo",
            "actor": peer.actor,
            "to": [alpha],
            "object": {"type": "Follow", "actor": peer.actor, "object": alpha},
        }
    )
    eventually(
        node,
        peer,
        lambda: not listed(node, "/followers", "followers"),
        "Epicyon's Undo to end its follow",
    )
    assert node.api("DELETE", f"/follows/{follow_key}", "alpha").status_code in (200, 202, 204)
    eventually(
        node,
        peer,
        lambda: ours not in peer.lines("followers.txt"),
        "our Undo to end our follow on Epicyon's side",
    )

    # everything Epicyon delivered (Follow, Accept, Create, Like, Undo) carried the header
    # uvicorn refuses: the proxy, as nginx, dropped it and the node verified the rest
    delivered = [r for r in node.proxy.requests if r.path.endswith("/inbox")]
    assert len(delivered) >= 5
    assert all(r.dropped == ("(request-target)",) for r in delivered)


def kept_post(peer: Epicyon, iri: str) -> list[dict[str, Any]]:
    return [
        p
        for p in peer.inbox()
        if isinstance(p.get("object"), dict) and p["object"].get("id") == iri
    ]


def verified(peer: Epicyon, activity: str) -> bool:
    """Epicyon took the activity (an id, or the start of one) from its inbox queue and logged
    that its HTTP signature verified, before taking up the next item."""
    stem = activity.replace("/", "#")
    items = peer.log().split("Loading queue item ")[1:]
    return any(VERIFIED in item for item in items if stem in item.partition("\n")[0])
