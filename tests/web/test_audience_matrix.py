"""Audience on every read route, as a generated matrix: every route that shows content x every
visibility x every kind of reader, on SQLite and PostgreSQL.

One node hosts alpha (author of local calls), beta (their addressee), gamma (a follower of
alpha and of rose), delta (another organisation); remote.test hosts rose (author of received
calls and of replies to alpha's call), bob (remote addressee), carol (remote follower of alpha)
and eve (a stranger); remote.test:8443 has an instance actor of its own (another port). Each
cell's expectation comes from one rule (public and unlisted: everyone; followers: the author
and followers; direct: the author and addressees) and what the route is for; the test lists
every cell that differs. The ActivityPub routes (object, its collections, its page) serve only
local publications, so they are asked about alpha's calls; the API routes about everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from node.app import create_app
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations
from node.storage import follows
from tests.support.keypool import shared_keys
from tests.support.peers import (
    Peer,
    PeerHost,
    addressed,
    create,
    post_as,
    serve_peer,
    signed_get_headers,
)
from tests.support.router import HostRouter

VISIBILITIES = ("public", "unlisted", "followers", "direct")
LOCAL = ("alpha", "beta", "gamma", "delta")
REMOTE = ("rose", "bob", "carol", "eve", "port")
READERS = (*LOCAL, *REMOTE, "anonymous")
API_ROUTES = ("timeline", "search", "cascade", "pledge", "responses")
AP_ROUTES = ("object", "replies", "likes", "shares", "page")
WORD = "kettle"  # every call says it, so search finds them all


@pytest.fixture(autouse=True)
def pooled_keys() -> Iterator[None]:
    with shared_keys():
        yield


@dataclass(frozen=True)
class Item:
    """A call (or a reply to alpha's public call) with its author, visibility and audience."""

    name: str
    iri: str
    key: str
    author: str
    visibility: str
    addressees: frozenset[str]
    followers: frozenset[str]
    reply: bool = False

    def readable_by(self, reader: str) -> bool:
        if self.visibility in ("public", "unlisted") or reader == self.author:
            return True
        audience = self.followers if self.visibility == "followers" else self.addressees
        return reader in audience


@dataclass
class World:
    node: Runtime
    client: httpx.AsyncClient
    remote: PeerHost
    peers: dict[str, Peer]
    tokens: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    listings: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def actor(self, name: str) -> str:
        return self.node.urls.actor(name) if name in LOCAL else self.peers[name].iri

    async def api(self, method: str, path: str, reader: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[reader]}"} if reader in LOCAL else {}
        return await self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    async def get_as(self, reader: str, url: str, accept: str) -> httpx.Response:
        now = self.node.clock.now()
        if reader in LOCAL:
            key_id = f"{self.actor(reader)}#main-key"
            headers = signed_get_headers(key_id, self.keys[reader], url, now, accept)
        elif reader in REMOTE:
            peer = self.peers[reader]
            headers = signed_get_headers(peer.key_id, peer.keys.private_pem, url, now, accept)
        else:
            headers = {"Accept": accept}
        return await self.client.get(url, headers=headers)


async def build(node: Runtime, router: HostRouter) -> World:
    app = create_app(node.settings, runtime=node)
    router.add("node.test", app)  # organisations sign GETs with keys the node fetches itself
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=node.urls.base)
    remote = serve_peer(router, "remote.test")
    other_port = serve_peer(router, "remote.test:8443")
    peers = {name: remote.actor(name) for name in ("rose", "bob", "carol", "eve")}
    peers["port"] = other_port.instance_actor()
    world = World(node, client, remote, peers)
    for name in LOCAL:
        made = await organisations.create_organisation(node.db, node.clock, node.urls, name)
        world.keys[name] = made.private_key_pem
        world.tokens[name] = await organisations.create_token(node.db, node.clock, name)
    await follow(world)
    await publish_local(world)
    await receive_remote(world)
    return world


async def follow(world: World) -> None:
    """gamma follows alpha (locally) and rose; carol follows alpha (a signed Follow)."""
    node = world.node
    made = await world.api("POST", "/follows", "gamma", json={"target": world.actor("alpha")})
    assert made.status_code == 202, made.text
    async with node.db.transaction() as session:
        await follows.put(
            session,
            world.actor("gamma"),
            world.actor("rose"),
            follows.ACCEPTED,
            None,
            node.clock.now(),
        )
    carol = world.peers["carol"]
    follow_activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{carol.iri}/follows/1",
        "type": "Follow",
        "actor": carol.iri,
        "object": world.actor("alpha"),
    }
    inbox = f"{world.actor('alpha')}/inbox"
    sent = await post_as(world.client, carol, inbox, follow_activity, node.clock.now())
    assert sent.status_code == 202, sent.text
    await build_worker(node).run_until_idle()


async def publish_local(world: World) -> None:
    deadline = (world.node.clock.now() + timedelta(days=3)).isoformat()
    for visibility in VISIBILITIES:
        mentions = " @beta@node.test @bob@remote.test" if visibility == "direct" else ""
        body = {
            "title": f"Alpha {visibility}",
            "content": f"Bring a {WORD}.{mentions}",
            "deadline": deadline,
            "visibility": visibility,
        }
        made = await world.api("POST", "/calls", "alpha", json=body)
        assert made.status_code == 201, made.text
        found = made.json()
        world.items.append(
            Item(
                f"alpha-{visibility}",
                found["id"],
                found["key"],
                "alpha",
                visibility,
                frozenset({"beta", "bob"}),
                frozenset({"gamma", "carol"}),
            )
        )


def remote_object(world: World, key: str, visibility: str, reply_to: str | None) -> dict[str, Any]:
    rose = world.peers["rose"]
    mentions = [world.actor("alpha" if key.endswith("to-alpha") else "beta")]
    obj = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {"kind": "https://w3id.org/solidarity-node/ns#kind"},
        ],
        "id": f"{rose.iri}/statuses/{key}",
        "type": "Note",
        "attributedTo": rose.iri,
        "content": f"<p>Rose asks for a {WORD} ({visibility}).</p>",
        "published": "2026-11-21T11:00:00Z",
        **addressed(visibility, rose, mentions if visibility == "direct" else []),
    }
    if reply_to is None:
        obj["kind"] = "call"
        obj["title"] = f"Rose {visibility}"
    else:
        obj["inReplyTo"] = reply_to
    return obj


async def receive_remote(world: World) -> None:
    """rose's calls, and her replies to alpha's public call (a direct one to beta, one to
    alpha), each a signed Create posted to the shared inbox."""
    node = world.node
    alpha_public = next(item.iri for item in world.items if item.name == "alpha-public")
    wanted = [(f"call-{v}", v, None) for v in VISIBILITIES]
    wanted += [(f"reply-{v}", v, alpha_public) for v in VISIBILITIES]
    wanted.append(("reply-direct-to-alpha", "direct", alpha_public))
    for key, visibility, reply_to in wanted:
        obj = remote_object(world, key, visibility, reply_to)
        sent = await post_as(
            world.client,
            world.peers["rose"],
            f"{node.urls.base}/inbox",
            create(world.peers["rose"], obj),
            node.clock.now(),
        )
        assert sent.status_code == 202, sent.text
        to = "alpha" if key.endswith("to-alpha") else "beta"
        world.items.append(
            Item(
                f"rose-{key}",
                obj["id"],
                key,
                "rose",
                visibility,
                frozenset({to}),
                frozenset({"gamma"}),
                reply=reply_to is not None,
            )
        )
    await build_worker(node).run_until_idle()


# what each route should show ------------------------------------------------------------


def items_for(route: str, world: World) -> list[Item]:
    if route in API_ROUTES:
        return world.items
    return [item for item in world.items if item.author == "alpha"]


def expected(route: str, item: Item, reader: str, world: World) -> bool:
    if route in API_ROUTES:
        if reader not in LOCAL:
            return False
        if route == "responses":
            return item.reply and reader == "alpha" and item.readable_by(reader)
        if item.reply:
            return False
        if route == "timeline":
            return reader == "gamma" and item.readable_by(reader)
        return item.readable_by(reader)
    listed = item.visibility in ("public", "unlisted")
    if route == "page":
        return listed
    return listed or (reader != "anonymous" and item.readable_by(reader))


async def listing(route: str, reader: str, world: World) -> set[str]:
    """The ids a listing route shows this reader (asked once per reader)."""
    if (route, reader) in world.listings:
        return world.listings[route, reader]
    if route == "responses":
        alpha_public = next(i for i in world.items if i.name == "alpha-public")
        answer = await world.api("GET", f"/calls/{alpha_public.key}/responses", reader)
        body = answer.json() if answer.status_code == 200 else {"replies": [], "pledges": []}
        found = {r["id"] for r in body["replies"] + body["pledges"]}
    else:
        params = {"limit": 100} | ({"q": WORD} if route == "search" else {})
        answer = await world.api("GET", f"/{route}", reader, params=params)
        found = {i["id"] for i in answer.json()["items"]} if answer.status_code == 200 else set()
    world.listings[route, reader] = found
    return found


async def shown(route: str, item: Item, reader: str, world: World) -> bool:
    if route in ("timeline", "search", "responses"):
        return item.iri in await listing(route, reader, world)
    if route == "cascade":
        answer = await world.api("GET", f"/calls/{item.key}/cascade", reader)
        return answer.status_code == 200 and answer.json()["object"] == item.iri
    if route == "pledge":
        body = {"content": "We will bring one."}
        answer = await world.api("POST", f"/calls/{item.key}/pledges", reader, json=body)
        return answer.status_code == 202 and answer.json()["in_reply_to"] == item.iri
    return await shown_over_activitypub(route, item, reader, world)


async def shown_over_activitypub(route: str, item: Item, reader: str, world: World) -> bool:
    url = item.iri
    if route == "page":
        answer = await world.get_as(reader, url, "text/html")
        return answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    if route != "object":
        url = f"{url}/{route}"
    answer = await world.get_as(reader, url, "application/activity+json")
    assert answer.status_code < 500, answer.text
    return answer.status_code == 200


async def test_every_read_route_shows_each_visibility_only_to_its_audience(
    node: Runtime, router: HostRouter
) -> None:
    world = await build(node, router)
    try:
        wrong = []
        cells = 0
        for route in (*API_ROUTES, *AP_ROUTES):
            for item in items_for(route, world):
                for reader in READERS:
                    want = expected(route, item, reader, world)
                    got = await shown(route, item, reader, world)
                    cells += 1
                    if want != got:
                        wrong.append(f"{route:9} {item.name:28} {reader:9} want {want} got {got}")
        assert not wrong, f"{len(wrong)} of {cells} cells wrong:\n" + "\n".join(wrong)
        served = len([item for item in world.items if item.author == "alpha"])
        routes = len(API_ROUTES) * len(world.items) + len(AP_ROUTES) * served
        assert cells == routes * len(READERS)
    finally:
        await world.client.aclose()
