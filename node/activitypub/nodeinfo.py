"""Reading another server's NodeInfo discovery document (/.well-known/nodeinfo) for the one
thing the node needs from it: the actor that server names as its own (FEP-2677). Pure."""

from __future__ import annotations

import json

from node.activitypub.objects import is_iri
from node.urls import same_origin

APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"


def application_actor(body: bytes, origin: str) -> str | None:
    """The FEP-2677 application actor a discovery document links to, if it is on `origin`."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    links = document.get("links") if isinstance(document, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != APPLICATION_REL:
            continue
        href = link.get("href")
        if is_iri(href) and same_origin(str(href), origin):
            return str(href)
    return None
