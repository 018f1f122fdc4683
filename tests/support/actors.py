"""A minimal remote ActivityPub host for hostile-input tests: actors with real RSA keys,
served as AS2 documents, and really signed POSTs to a node's inbox.

It is a test peer, not a stand-in for the node: signatures are made by the node's own signer
functions and verified by the node's real inbox.
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

from node.activitypub.keys import KeyPair, generate_key_pair, load_private_key
from node.activitypub.signatures import sign_request
from node.activitypub.vocabulary import CONTEXT, PUBLIC
from tests.support.router import HostRouter


@dataclass
class FakeActor:
    iri: str
    keys: KeyPair
    key_id: str = ""

    def __post_init__(self) -> None:
        self.key_id = self.key_id or f"{self.iri}#main-key"

    def document(self) -> dict[str, Any]:
        return {
            "@context": CONTEXT,
            "id": self.iri,
            "type": "Person",
            "preferredUsername": self.iri.rsplit("/", 1)[-1],
            "inbox": f"{self.iri}/inbox",
            "outbox": f"{self.iri}/outbox",
            "followers": f"{self.iri}/followers",
            "endpoints": {"sharedInbox": self.iri.split("/users/")[0] + "/inbox"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.iri,
                "publicKeyPem": self.keys.public_pem,
            },
        }


@dataclass
class RemoteHost:
    """Serves actors and objects at https://{host}/…, and WebFinger for its actors' handles
    (name@host); records what its inboxes receive."""

    host: str
    actors: dict[str, FakeActor] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)

    def actor(self, name: str) -> FakeActor:
        if name not in self.actors:
            iri = f"https://{self.host}/users/{name}"
            self.actors[name] = FakeActor(iri, generate_key_pair())
        return self.actors[name]

    def app(self) -> Starlette:
        async def get(request: Request) -> Response:
            url = f"https://{self.host}{request.url.path}"
            if request.url.path == "/.well-known/webfinger":
                return self.webfinger(request.query_params.get("resource", ""))
            for actor in self.actors.values():
                if actor.iri == url:
                    return as2(actor.document())
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
        name, _, host = resource.removeprefix("acct:").partition("@")
        if host != self.host or name not in self.actors:
            return Response(status_code=404)
        link = {"rel": "self", "type": "application/activity+json", "href": self.actors[name].iri}
        jrd = {"subject": f"acct:{name}@{host}", "links": [link]}
        return Response(json.dumps(jrd), media_type="application/jrd+json")


def hosted(router: HostRouter, host: str) -> RemoteHost:
    """A RemoteHost answering at https://{host}/ through the test's router."""
    remote = RemoteHost(host)
    router.add(host, remote.app())
    return remote


def create_note(actor: FakeActor, key: str) -> dict[str, Any]:
    """A public Create(Note) by `actor`, its ids made from `key`."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/activities/create-{key}",
        "type": "Create",
        "actor": actor.iri,
        "to": [PUBLIC],
        "object": {
            "id": f"{actor.iri}/notes/{key}",
            "type": "Note",
            "attributedTo": actor.iri,
            "content": "<p>Solidarity!</p>",
            "to": [PUBLIC],
        },
    }


def as2(document: dict[str, Any]) -> Response:
    return Response(json.dumps(document), media_type="application/activity+json")


def signed_headers(
    actor: FakeActor, url: str, body: bytes, now: datetime, **overrides: str
) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    signed = sign_request(
        "POST", url, headers, body, actor.key_id, load_private_key(actor.keys.private_pem), now
    )
    return headers | signed | overrides


async def post_signed(
    client: httpx.AsyncClient,
    actor: FakeActor,
    url: str,
    activity: dict[str, Any],
    now: datetime,
    **overrides: str,
) -> httpx.Response:
    body = json.dumps(activity).encode()
    return await client.post(
        url, content=body, headers=signed_headers(actor, url, body, now, **overrides)
    )
