"""The cascade tree of a call, as far as this node has seen it (the origin sees it all, since
cascade Announces cc the author).

Nodes are the Create (the root, hop 0) and every Announce recorded, each hung under its `via`.
A boost without `via` (Mastodon and others) hangs under an amplifier the booster follows when
this node knows of such a follow (its own organisations' followers), else under the root; its
hop is then its parent's plus one, and it is marked `inferred`. Reach is each actor's follower
count as it advertises it (totalItems of its followers collection), looked up at most hourly.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from node.activitypub.vocabulary import iso
from node.errors import NotFound, SolidarityError
from node.federation import remote_actors
from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import circles
from node.storage import addressees, cascade, follows
from node.storage.actors import LocalActor
from node.storage.cascade import Entry
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject

log = logging.getLogger("node.cascade")
REACH_TTL = timedelta(hours=1)


async def known_call(node: Runtime, reader: LocalActor, key: str) -> StoredObject:
    """A call this node knows, local or received, by the last segment of its id (exactly),
    among those the reader may read (a circle call: see node.solidarity.circles): to anyone
    else it does not exist."""
    async with node.db.transaction() as session:
        stored = await addressees.named(session, key, reader.id)
    if stored is None or stored.kind is not Kind.CALL:
        raise NotFound(f"no call {key} is known here")
    if not await circles.may_read(node, stored, reader):
        raise NotFound(f"no call {key} is known here")
    return stored


async def tree(node: Runtime, call: StoredObject, *, look_up_reach: bool = True) -> dict[str, Any]:
    """The tree's nodes; without look_up_reach, reach is what was stored (no fetching)."""
    async with node.db.transaction() as session:
        entries = await cascade.of_object(session, call.iri)
    root = next((e for e in entries if e.type == "Create"), None)
    root_id = root.activity_iri if root else call.iri
    parents = await boost_parents(node, entries, root_id)
    hops = {e.activity_iri: e.hop for e in entries if e.hop is not None}
    reach = (
        await reaches(node, entries) if look_up_reach else {e.actor_iri: e.reach for e in entries}
    )
    nodes = [] if root else [root_json(call)]
    for entry in entries:
        via = entry.via_iri or parents.get(entry.activity_iri)
        hop = entry.hop
        if hop is None:
            hop = (hops.get(via or "", 0) or 0) + 1
        seconds = (entry.at - call.published).total_seconds()
        nodes.append(
            {
                "id": entry.activity_iri,
                "type": entry.type,
                "actor": entry.actor_iri,
                "via": via,
                "hop": hop,
                "at": iso(entry.at),
                "seconds": max(seconds, 0.0),
                "reach": reach.get(entry.actor_iri),
                "inferred": entry.type == "Announce" and entry.via_iri is None,
            }
        )
    return {
        "object": call.iri,
        "author": call.actor_iri,
        "published": iso(call.published),
        "nodes": nodes,
    }


def root_json(call: StoredObject) -> dict[str, Any]:
    """The origin, when this node never saw the Create itself."""
    return {
        "id": call.iri,
        "type": "Create",
        "actor": call.actor_iri,
        "via": None,
        "hop": 0,
        "at": iso(call.published),
        "seconds": 0.0,
        "reach": None,
        "inferred": True,
    }


async def boost_parents(node: Runtime, entries: list[Entry], root_id: str) -> dict[str, str]:
    """For each boost without via: an amplifier its booster follows (known here), else the root."""
    amplifiers = {e.actor_iri: e.activity_iri for e in entries if e.via_iri and e.hop}
    found: dict[str, str] = {}
    async with node.db.transaction() as session:
        for entry in entries:
            if entry.type != "Announce" or entry.via_iri is not None:
                continue
            followed = await follows.list_by_follower(session, entry.actor_iri)
            seen = [
                amplifiers[f.target_iri]
                for f in followed
                if f.state == ACCEPTED and f.target_iri in amplifiers
            ]
            found[entry.activity_iri] = seen[0] if seen else root_id
    return found


async def reaches(node: Runtime, entries: list[Entry]) -> dict[str, int | None]:
    now = node.clock.now()
    found: dict[str, int | None] = {}
    for entry in entries:
        if entry.actor_iri in found:
            continue
        if entry.reach_at is not None and now - entry.reach_at < REACH_TTL:
            found[entry.actor_iri] = entry.reach
            continue
        found[entry.actor_iri] = await advertised_reach(node, entry.actor_iri)
        async with node.db.transaction() as session:
            await cascade.set_reach(session, entry.actor_iri, found[entry.actor_iri], now)
    return found


async def advertised_reach(node: Runtime, actor_iri: str) -> int | None:
    """totalItems of the actor's followers collection (counted directly for our own)."""
    if node.urls.is_local(actor_iri):
        async with node.db.transaction() as session:
            return await follows.count_followers(session, actor_iri)
    try:
        actor = await remote_actors.get_actor(node, actor_iri)
        if not actor.followers:
            return None
        total = (await node.fetcher.get_json(actor.followers)).document.get("totalItems")
    except SolidarityError as exc:
        log.info("no reach for %s: %s", actor_iri, exc)
        return None
    return total if isinstance(total, int) and not isinstance(total, bool) else None
