"""Who may read a non-public local object over ActivityPub (authorized fetch): only signed
requests from its audience.

Its author; for followers-only, an accepted follower of the author; for direct, an actor it
addresses or mentions; for a circle call, an actor it is addressed to (`to`: the members of
the circle it went to), never the allies further down a circle call's path, who hold it as its
author signed it. Besides them, the instance actor of an audience member's own origin (servers
fetch on their users' behalf), as node.federation.peer_instances finds it: never an actor on
another port, nor one that merely declares itself an Application or Service. Everyone else,
signed or not, is told the object does not exist. Organisations of this node read through the
API, where node.storage.addressees decides.
"""

from __future__ import annotations

from node.activitypub.objects import addressed_iris
from node.activitypub.vocabulary import PUBLIC
from node.federation import peer_instances
from node.federation.runtime import Runtime
from node.publication import Visibility
from node.storage import follows
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject
from node.storage.remote_actors import RemoteActor
from node.urls import origin_of


def is_listed(stored: StoredObject) -> bool:
    return stored.fields.is_listed


async def audience(node: Runtime, stored: StoredObject) -> list[str]:
    """The actors a non-public object is for: the author's followers, or its addressees."""
    if stored.visibility is Visibility.FOLLOWERS:
        async with node.db.transaction() as session:
            found = await follows.list_by_target(session, stored.actor_iri)
        return [f.follower_iri for f in found if f.state == ACCEPTED]
    if stored.visibility is Visibility.CIRCLE:  # its circle's members, in `to`
        to = stored.document.get("to", [])
        return [iri for iri in (to if isinstance(to, list) else [to]) if isinstance(iri, str)]
    return [iri for iri in addressed_iris(stored.document) if iri != PUBLIC]


async def may_read(node: Runtime, stored: StoredObject, signer: RemoteActor) -> bool:
    if is_listed(stored) or signer.iri == stored.actor_iri:
        return True
    members = await audience(node, stored)
    if signer.iri in members:
        return True
    same_origin = [m for m in members if origin_of(m) == origin_of(signer.iri)]
    return bool(same_origin) and await peer_instances.speaks_for(node, signer, same_origin[0])
