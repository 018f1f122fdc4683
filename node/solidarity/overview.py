"""What a member sees first: the organisation's publications, and for each open call what came
back (replies, pledges, likes, announces) and its reach (the organisation's followers plus the
followers its amplifiers advertise, as far as this node has looked them up)."""

from __future__ import annotations

from dataclasses import dataclass

from node.federation.runtime import Runtime
from node.publication import Visibility
from node.storage import cascade, follows, objects, reactions, search
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject


@dataclass(frozen=True)
class Responses:
    replies: int
    pledges: int
    likes: int
    announces: int


@dataclass(frozen=True)
class CallOverview:
    call: StoredObject
    responses: Responses
    amplifiers: int
    reach: int


async def responses_to(node: Runtime, iri: str) -> Responses:
    async with node.db.transaction() as session:
        replies = await objects.replies_to(session, iri, visibilities=tuple(Visibility))
        found = await reactions.for_object(session, iri)
    pledges = sum(r.content.is_pledge for r in replies)
    return Responses(
        len(replies) - pledges,
        pledges,
        sum(r.type == "Like" for r in found),
        sum(r.type == "Announce" for r in found),
    )


async def open_calls(node: Runtime, org: LocalActor) -> list[CallOverview]:
    org_iri = node.urls.actor(org.username)
    async with node.db.transaction() as session:
        calls = await search.own(session, org.id, open_at=node.clock.now())
        followers = await follows.count_followers(session, org_iri)
        entries = {call.iri: await cascade.of_object(session, call.iri) for call in calls}
    found = []
    for call in calls:
        announces = [e for e in entries[call.iri] if e.type == "Announce"]
        reach = followers + sum(e.reach or 0 for e in announces)
        found.append(CallOverview(call, await responses_to(node, call.iri), len(announces), reach))
    return found


async def publications(node: Runtime, org: LocalActor) -> tuple[StoredObject, ...]:
    """Every strategy and call of the organisation, whatever its audience, newest first."""
    async with node.db.transaction() as session:
        return await search.own(session, org.id)
