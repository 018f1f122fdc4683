"""Which actor speaks for a whole remote server (its instance actor), as this node finds out
for itself, never as an actor declares itself: the server's NodeInfo link (FEP-2677), else an
`Application` at its /actor (Mastodon's place for it), on exactly that origin.

Servers fetch non-public objects on their users' behalf with their instance actor; such a
signer reads what one of its own origin's actors may read. A bot declaring itself `Service`, or
any actor on another port or scheme, is not that. Answers are kept per origin for TTL (at most
LIMIT origins), negative ones too.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime, timedelta

from node.activitypub.nodeinfo import application_actor
from node.clock import Clock
from node.errors import SolidarityError
from node.federation.runtime import Runtime
from node.storage.remote_actors import RemoteActor
from node.urls import origin_of

log = logging.getLogger("node.peers")
TTL = timedelta(hours=6)
LIMIT = 1024
NODEINFO_PATH = "/.well-known/nodeinfo"
CONVENTIONAL_PATH = "/actor"


class PeerInstances:
    """origin -> its instance actor's IRI (or None), with when it was looked up."""

    def __init__(self, clock: Clock, limit: int = LIMIT) -> None:
        self._clock = clock
        self.limit = limit
        self._found: OrderedDict[str, tuple[str | None, datetime]] = OrderedDict()

    def get(self, origin: str) -> tuple[bool, str | None]:
        entry = self._found.get(origin)
        if entry is None or self._clock.now() - entry[1] >= TTL:
            return False, None
        return True, entry[0]

    def put(self, origin: str, actor: str | None) -> None:
        self._found[origin] = (actor, self._clock.now())
        self._found.move_to_end(origin)
        while len(self._found) > self.limit:
            self._found.popitem(last=False)


async def instance_actor_of(node: Runtime, origin: str) -> str | None:
    known, actor = node.peer_instances.get(origin)
    if not known:
        actor = await discover(node, origin)
        node.peer_instances.put(origin, actor)
    return actor


async def discover(node: Runtime, origin: str) -> str | None:
    try:
        found = await node.fetcher.get(origin + NODEINFO_PATH, accept="application/json")
        actor = application_actor(found.body, origin)
    except SolidarityError as exc:
        log.info("no NodeInfo at %s: %s", origin, exc)
        actor = None
    if actor is not None:
        return actor
    conventional = origin + CONVENTIONAL_PATH
    try:
        document = (await node.fetcher.get_json(conventional)).document
    except SolidarityError as exc:
        log.info("no instance actor found for %s: %s", origin, exc)
        return None
    if document.get("id") == conventional and document.get("type") == "Application":
        return conventional
    return None


async def speaks_for(node: Runtime, signer: RemoteActor, actor_iri: str) -> bool:
    """Whether the signer is the instance actor of `actor_iri`'s own origin (scheme, host and
    port), as this node found it."""
    origin = origin_of(signer.iri)
    if not origin or origin != origin_of(actor_iri) or node.urls.is_local(actor_iri):
        return False
    return await instance_actor_of(node, origin) == signer.iri
