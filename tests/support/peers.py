"""Remote servers for the hostile-input tests: actors of any type (Application instance actors
too) with real RSA keys, WebFinger and NodeInfo discovery, objects, and really signed POSTs and
GETs to a node. Served in process through a HostRouter, on any host[:port].
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.activitypub.keys import KeyPair, load_private_key
from node.activitypub.signatures import sign_request
from node.activitypub.vocabulary import CONTEXT, PUBLIC
from tests.support.keypool import pool
from tests.support.router import HostRouter

AS2 = "application/activity+json"
APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"
KEYS = 16  # distinct key pairs handed out in turn (generating one costs tens of ms)
_handed_out = [0]


def next_key_pair() -> KeyPair:
    _handed_out[0] += 1
    return pool(KEYS)[_handed_out[0] % KEYS]


@dataclass
class Peer:
    """An actor of a remote server; `type` as it declares itself."""

    iri: str
    keys: KeyPair
    type: str = "Person"

    @property
    def key_id(self) -> str:
        return f"{self.iri}#main-key"

    @property
    def followers(self) -> str:
        return f"{self.iri}/followers"

    @property
    def name(self) -> str:
        return self.iri.rstrip("/").rsplit("/", 1)[-1]

    def document(self) -> dict[str, Any]:
        base = self.iri.split("/", 3)
        return {
            "@context": CONTEXT,
            "id": self.iri,
            "type": self.type,
            "preferredUsername": self.name,
            "inbox": f"{self.iri}/inbox",
            "outbox": f"{self.iri}/outbox",
            "followers": self.followers,
            "endpoints": {"sharedInbox": "/".join(base[:3]) + "/inbox"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.iri,
                "publicKeyPem": self.keys.public_pem,
            },
        }


@dataclass
class PeerHost:
    """https://{host}/ with actors at /users/NAME (or any path), objects, WebFinger for its
    actors, and NodeInfo naming `instance` (FEP-2677) when one is set."""

    host: str
    scheme: str = "https"
    actors: dict[str, Peer] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    instance: Peer | None = None
    gets: list[str] = field(default_factory=list)
    serves_nodeinfo: bool = True

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"

    def actor(self, name: str, type: str = "Person", path: str | None = None) -> Peer:
        iri = f"{self.base}{path or '/users/' + name}"
        if iri not in self.actors:
            self.actors[iri] = Peer(iri, next_key_pair(), type)
        return self.actors[iri]

    def instance_actor(self, path: str = "/actor", advertised: bool = True) -> Peer:
        peer = self.actor(self.host, "Application", path)
        if advertised:
            self.instance = peer
        return peer

    def app(self) -> Starlette:
        async def get(request: Request) -> Response:
            url = f"{self.base}{request.url.path}"
            self.gets.append(url)
            if request.url.path == "/.well-known/webfinger":
                return self.webfinger(request.query_params.get("resource", ""))
            if request.url.path == "/.well-known/nodeinfo" and self.serves_nodeinfo:
                links = (
                    [{"rel": APPLICATION_REL, "href": self.instance.iri}] if self.instance else []
                )
                return Response(json.dumps({"links": links}), media_type="application/json")
            if url in self.actors:
                return as2(self.actors[url].document())
            if url in self.objects:
                return as2(self.objects[url])
            return Response(status_code=404)

        async def post(request: Request) -> Response:
            self.received.append(json.loads(await request.body()))
            return Response(status_code=202)

        return Starlette(
            routes=[
                Route("/{path:path}", post, methods=["POST"]),
                Route("/{path:path}", get, methods=["GET"]),
            ]
        )

    def webfinger(self, resource: str) -> Response:
        for peer in self.actors.values():
            if resource == f"acct:{peer.name}@{self.host}":
                links = [{"rel": "self", "type": AS2, "href": peer.iri}]
                jrd = {"subject": resource, "links": links}
                return Response(json.dumps(jrd), media_type="application/jrd+json")
        return Response(status_code=404)


def serve_peer(router: HostRouter, host: str) -> PeerHost:
    peer_host = PeerHost(host)
    router.add(host, peer_host.app())
    return peer_host


def as2(document: dict[str, Any]) -> Response:
    return Response(json.dumps(document), media_type=AS2)


def addressed(visibility: str, peer: Peer, mentions: list[str]) -> dict[str, Any]:
    """to/cc (and Mention tags) as Mastodon addresses each visibility."""
    tags = [{"type": "Mention", "href": iri} for iri in mentions]
    to, cc = {
        "public": ([PUBLIC], [peer.followers, *mentions]),
        "unlisted": ([peer.followers], [PUBLIC, *mentions]),
        "followers": ([peer.followers], mentions),
        "direct": (mentions, []),
    }[visibility]
    return {"to": to, "cc": cc, "tag": tags}


def create(peer: Peer, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"{obj['id']}/activity",
        "type": "Create",
        "actor": peer.iri,
        "object": obj,
        "to": obj.get("to", []),
        "cc": obj.get("cc", []),
    }


def signed_post_headers(peer: Peer, url: str, body: bytes, now: datetime) -> dict[str, str]:
    headers = {"Content-Type": AS2}
    key = load_private_key(peer.keys.private_pem)
    return headers | sign_request("POST", url, headers, body, peer.key_id, key, now)


async def post_as(
    client: httpx.AsyncClient, peer: Peer, url: str, activity: dict[str, Any], now: datetime
) -> httpx.Response:
    body = json.dumps(activity).encode()
    return await client.post(url, content=body, headers=signed_post_headers(peer, url, body, now))


def signed_get_headers(
    key_id: str, private_pem: str, url: str, now: datetime, accept: str = AS2
) -> dict[str, str]:
    headers = {"Accept": accept}
    key = load_private_key(private_pem)
    return headers | sign_request("GET", url, headers, None, key_id, key, now)
