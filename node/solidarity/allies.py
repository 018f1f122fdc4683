"""Allies: the organisations whose calls an organisation amplifies, and how.

Policies: never, manual (queued for a member), auto (every public call), urgent (urgency high
or critical); non-empty regions or themes narrow a policy to calls sharing one of them (compared
folded, as labels are). Adding an ally follows it when not yet followed, so its calls arrive.
An ally record may name one of the organisation's circles: the ally's circle calls are passed on
to that circle (and only when the policy amplifies); without one they are read, never passed on.
Adding, changing and removing an ally are owner actions: audited (storage.audit) in the
transaction of the change, by whoever did it (`who`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.federation import following, remote_actors
from node.federation.runtime import Runtime
from node.publication import URGENT, Fields
from node.solidarity.validation import circle_name
from node.storage import allies, audit, circles, follows
from node.storage.actors import LocalActor
from node.storage.allies import Ally
from node.storage.audit import Who
from node.storage.objects import label_value

POLICIES = ("never", "manual", "auto", "urgent")
MAX_LABELS = 50


@dataclass(frozen=True)
class Policy:
    amplify: str
    regions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    circle: str | None = None  # where this ally's circle calls are passed on


def labels(body: dict[str, Any], name: str) -> tuple[str, ...]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidInput(f"'{name}' must be a list of non-empty strings")
    if len(value) > MAX_LABELS:
        raise InvalidInput(f"'{name}' may hold at most {MAX_LABELS} entries")
    return tuple(dict.fromkeys(v.strip()[:200] for v in value))


def policy_from(body: dict[str, Any]) -> Policy:
    amplify = body.get("amplify", "manual")
    if amplify not in POLICIES:
        raise InvalidInput(f"'amplify' must be one of {', '.join(POLICIES)}, not {amplify!r}")
    circle = body.get("circle")
    if circle is not None:
        circle = circle_name(circle)
    return Policy(amplify, labels(body, "regions"), labels(body, "themes"), circle)


def overlaps(wanted: Sequence[str], given: Sequence[str]) -> bool:
    return not wanted or bool({label_value(w) for w in wanted} & {label_value(g) for g in given})


def decision(ally: Ally, call: Fields) -> str | None:
    """'auto', 'manual' or None: what this ally's policy says about this call."""
    if ally.amplify == "never":
        return None
    if ally.amplify == "urgent" and call.urgency not in URGENT:
        return None
    if not overlaps(ally.regions, call.regions) or not overlaps(ally.themes, call.themes):
        return None
    return "manual" if ally.amplify == "manual" else "auto"


async def add(
    node: Runtime, org: LocalActor, target: str, policy: Policy, *, who: Who
) -> tuple[Ally, bool]:
    """Add (or re-set) an ally and follow it if not yet followed, in one transaction with its
    audit entry (ally.add, or ally.update for a known ally); True when the ally is new."""
    iri = await following.resolve_target(node, target)
    org_iri = node.urls.actor(org.username)
    if iri == org_iri:
        raise InvalidInput("an organisation cannot be its own ally")
    local = node.urls.is_local(iri)
    if not local:
        await remote_actors.get_actor(node, iri)  # cached before the transaction
    now = node.clock.now()
    async with node.db.transaction() as session:
        circle_id = None
        if policy.circle is not None:
            circle = await circles.named(session, org.id, policy.circle)
            if circle is None:
                raise InvalidInput(f"{org.username} has no circle {policy.circle!r}: make it first")
            circle_id = circle.id
        followed = await follows.get_pair(session, org_iri, iri) is None
        if followed and local:
            await following.follow_local_in(session, node, org_iri, iri)
        elif followed:
            await following.follow_in(session, node, org, iri)
        before = await allies.of_pair(session, org.id, iri)
        made = await allies.put(
            session, org.id, iri, policy.amplify, policy.regions, policy.themes, now, circle_id
        )
        await _audit_put(session, who, org, made[0], policy.circle, before, followed, now)
    node.wake_worker()
    return made


async def _audit_put(
    session: AsyncSession,
    who: Who,
    org: LocalActor,
    ally: Ally,
    circle: str | None,
    before: Ally | None,
    followed: bool,
    now: datetime,
) -> None:
    details: dict[str, Any] = {"org": org.username, "id": ally.id} | _policy(ally, circle)
    if followed:
        details["followed"] = True
    if before is not None:
        was = None
        if before.circle_id is not None:
            found = await circles.by_id(session, before.circle_id)
            was = found.name if found is not None else None
        details["was"] = _policy(before, was)
    action = "ally.add" if before is None else "ally.update"
    await audit.record(session, who, action, ally.ally_iri, now, details)


def _policy(ally: Ally, circle: str | None) -> dict[str, Any]:
    return {
        "amplify": ally.amplify,
        "regions": list(ally.regions),
        "themes": list(ally.themes),
        "circle": circle,
    }


async def of(node: Runtime, org: LocalActor) -> list[Ally]:
    async with node.db.transaction() as session:
        return await allies.of_actor(session, org.id)


async def circle_names(node: Runtime, org: LocalActor) -> dict[int, str]:
    """The organisation's circles by row id (to show which one an ally record names)."""
    async with node.db.transaction() as session:
        return {circle.id: circle.name for circle in await circles.of_actor(session, org.id)}


async def remove(node: Runtime, org: LocalActor, ally_id: int, *, who: Who) -> None:
    """Stop amplifying that ally (the follow stays; unfollow separately); audited as
    ally.remove in the same transaction."""
    async with node.db.transaction() as session:
        ally = await allies.owned(session, org.id, ally_id)
        if ally is None or not await allies.remove(session, org.id, ally_id):
            raise NotFound(f"{org.username} has no ally {ally_id}")
        details = {"org": org.username, "id": ally_id, "amplify": ally.amplify}
        await audit.record(session, who, "ally.remove", ally.ally_iri, node.clock.now(), details)
