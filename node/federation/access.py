"""Who may read a non-public object (authorized fetch): only signed requests from its audience.

Followers-only: an accepted follower of the author, or the instance actor of a host where one
lives (servers fetch on their users' behalf). Direct and circle: an addressed actor (for a
circle call, a member of the circle it went to), or its host's instance actor; never the
allies further down a circle call's path, who hold it as its author signed it. Everyone else,
signed or not, is told the object does not exist.
"""

from __future__ import annotations

from node.federation.runtime import Runtime
from node.publication import Visibility
from node.storage import follows
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject
from node.storage.remote_actors import RemoteActor
from node.urls import host_of


def is_listed(stored: StoredObject) -> bool:
    return stored.fields.is_listed


def speaks_for_host(signer: RemoteActor) -> bool:
    """An instance (application) actor signs for its whole server."""
    return signer.type in ("Application", "Service")


async def may_read(node: Runtime, stored: StoredObject, signer: RemoteActor) -> bool:
    if is_listed(stored):
        return True
    if stored.visibility is Visibility.FOLLOWERS:
        async with node.db.transaction() as session:
            found = await follows.list_by_target(session, stored.actor_iri)
        followers = [f.follower_iri for f in found if f.state == ACCEPTED]
        return allowed(signer, followers)
    return allowed(signer, addressees(stored))


def addressees(stored: StoredObject) -> list[str]:
    """Whom a direct message or circle call is addressed to (a circle call: to only)."""
    names = ("to",) if stored.visibility is Visibility.CIRCLE else ("to", "cc")
    found = [iri for name in names for iri in stored.document.get(name, [])]
    return [iri for iri in found if isinstance(iri, str)]


def allowed(signer: RemoteActor, audience: list[str]) -> bool:
    if signer.iri in audience:
        return True
    return speaks_for_host(signer) and host_of(signer.iri) in {host_of(a) for a in audience}
