"""Which keys a circle call brings with it, for a node that never met its author.

A circle call travels while its origin may be down, through nodes that never fetched its
author's actor. Such a node checks the author's proof with a key it takes on trust from its
allies only: the `attestedAuthor` of an Announce whose sender is an ally of an organisation
here that the Announce addresses, or the key its own signed copy of that call was verified
with (for the author's Update or Delete of it, and for the same call arriving again). These
keys serve circle calls alone: a node that has the author's actor cached uses that, and no
public object is ever checked with a key an ally attested.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import circles
from node.activitypub.objects import id_of
from node.federation.runtime import Runtime
from node.publication import Visibility
from node.storage import actors, allies, objects, signed_objects
from node.storage.signed_objects import KeyUsed

FORWARDABLE = frozenset({"Update", "Delete"})


async def allied_addressees(
    session: AsyncSession, node: Runtime, sender: str, document: dict[str, Any]
) -> set[int]:
    """The local organisations `document` addresses (to, cc) that have `sender` as an ally."""
    names = {name for iri in circles.addressed(document) if (name := node.urls.actor_name(iri))}
    addressed = await actors.organisation_ids(session, names)
    return await allies.organisations_with_ally(session, sender, sorted(addressed))


async def admitted(
    node: Runtime, activity: dict[str, Any], sender: str, embedded: dict[str, Any]
) -> bool:
    """Whether an embedded object may be checked and kept as signed: any object but a circle
    call; a circle call from its author itself, or in an Announce from an ally of one of the
    organisations here that the Announce addresses (no one else's copy is kept)."""
    if not circles.is_circle(embedded):
        return True
    if id_of(embedded.get("attributedTo")) == sender:
        return True
    if activity.get("type") != "Announce":
        return False
    async with node.db.transaction() as session:
        return bool(await allied_addressees(session, node, sender, activity))


async def keys_for_object(
    node: Runtime, activity: dict[str, Any], sender: str, embedded: dict[str, Any]
) -> list[KeyUsed]:
    """For a circle call embedded in an activity from `sender`: the key its signed copy here
    was verified with, then the key an allied sender's Announce attests for its author."""
    if not circles.is_circle(embedded):
        return []
    iri, owner = id_of(embedded.get("id")), id_of(embedded.get("attributedTo"))
    if iri is None or owner is None:
        return []
    found = []
    async with node.db.transaction() as session:
        kept = await signed_objects.get(session, iri)
        if kept is not None and kept.key is not None and kept.owner_iri == owner:
            found.append(kept.key)
        attested = circles.attested_author(activity)
        if (
            activity.get("type") == "Announce"
            and attested is not None
            and attested.iri == owner
            and await allied_addressees(session, node, sender, activity)
        ):
            key = KeyUsed(attested.key_id, attested.public_multibase, sender, attested.inbox)
            found.append(key)
    return found


async def keys_for_activity(node: Runtime, activity: dict[str, Any], actor: str) -> list[KeyUsed]:
    """For its author's Update or Delete of a circle call known here: the key the call's
    signed copy was verified with."""
    target = id_of(activity.get("object"))
    if activity.get("type") not in FORWARDABLE or target is None:
        return []
    async with node.db.transaction() as session:
        if await circle_call_of(session, target, actor) is None:
            return []
        kept = await signed_objects.get(session, target)
    if kept is None or kept.key is None or kept.owner_iri != actor:
        return []
    return [kept.key]


async def circle_call_of(
    session: AsyncSession, iri: str, author: str
) -> objects.StoredObject | None:
    """A received circle call by `author`, stored here (deleted ones included)."""
    stored = await objects.get(session, iri)
    if stored is None or stored.local_actor_id is not None or stored.actor_iri != author:
        return None
    return stored if stored.visibility is Visibility.CIRCLE else None
