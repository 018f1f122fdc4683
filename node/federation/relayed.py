"""What a subscribed relay passes on: its own Announces, and others' activities it forwards.

Nothing a relay sends is trusted as sent. An activity forwarded with the relay's signature
(signer is not the actor) is handled with its object reduced to the id, so the object is
fetched from its own origin, whose document must name the activity's actor as its author;
a forwarded Delete counts only when the origin answers 404 or 410 for the object. A relay's
Announce (activityrelay's way) or a forwarded Announce both mean "this object exists": it is
fetched from its origin and kept, and a call is considered for amplification as if it came
from its author (hop 0), through the relay's activity.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from node.activitypub.objects import ActivityView
from node.errors import FetchStatus
from node.federation import inbox_effects, relays
from node.federation.arrivals import Arrivals
from node.federation.runtime import Runtime
from node.storage import objects

log = logging.getLogger("node.relayed")
GONE_STATUSES = (404, 410)
Dispatch = Callable[[Runtime, ActivityView, str | None], Awaitable[None]]


def dispatcher(arrivals: Arrivals) -> Dispatch:
    """The inbox queue's dispatch, with the network's rules (`arrivals`) handed in."""

    async def dispatch_to(node: Runtime, activity: ActivityView, relayed_by: str | None) -> None:
        await dispatch(node, activity, relayed_by, arrivals)

    return dispatch_to


async def dispatch(
    node: Runtime, activity: ActivityView, relayed_by: str | None, arrivals: Arrivals
) -> None:
    """Effects of a received activity: through `handle` when a relay forwarded it
    (`relayed_by`) or it is an accepted relay's own Announce, else the ordinary effects."""
    relay = relayed_by
    if relay is None and activity.type == "Announce":
        found = await relays.accepted_relay(node, activity.actor)
        relay = found.actor_iri if found else None
    if relay is None:
        await inbox_effects.handle(node, activity, arrivals)
    else:
        await handle(node, activity, relay, arrivals)


async def handle(node: Runtime, activity: ActivityView, relay_iri: str, arrivals: Arrivals) -> None:
    """Effects of an activity a relay sent or forwarded (`relay_iri`: the relay's actor)."""
    if activity.type == "Announce":
        await passed_on(node, activity, arrivals)
    elif activity.type in ("Create", "Update"):
        await inbox_effects.handle(node, by_reference(activity), arrivals)
    elif activity.type == "Delete":
        if await gone_at_origin(node, activity.object_id or ""):
            await inbox_effects.handle(node, by_reference(activity), arrivals)
        else:
            log.info("%s forwarded a Delete of %s, still there", relay_iri, activity.object_id)
    else:
        log.debug("ignored a relayed %s from %s", activity.type, relay_iri)


def by_reference(activity: ActivityView) -> ActivityView:
    """The activity with its object as a bare id: handlers then fetch it from its origin."""
    document: dict[str, Any] = dict(activity.document)
    if activity.object_id:
        document["object"] = activity.object_id
    return ActivityView.from_document(document)


async def gone_at_origin(node: Runtime, iri: str) -> bool:
    if not iri:
        return False
    try:
        await node.fetcher.get_json(iri)
    except FetchStatus as exc:
        return exc.status in GONE_STATUSES
    return False


async def passed_on(node: Runtime, activity: ActivityView, arrivals: Arrivals) -> None:
    if activity.object_id is None:
        return
    async with node.db.transaction() as session:
        known = await objects.get(session, activity.object_id)
    stored = known or await inbox_effects.fetch_from_origin(node, activity.object_id)
    if stored is not None:
        await arrivals.passed_on(node, activity.iri, stored)
