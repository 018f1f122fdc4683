"""The trusted cascade: how a circle call travels from ally to trusted ally.

A circle call goes to the members of its author's circle. An organisation here passes it on
when the call arrived addressed to it, from an actor it has as an ally whose policy amplifies
the call, and that ally record names one of its circles: then it sends an Announce addressed
to that circle's members only (never its followers, never Public, never a relay), embedding
the call as its author signed it (FEP-8b32) with the author attested (inbox and key, for nodes
that never met the author), and carrying `via` and `hop`. The author gets the same Announce
addressed to it alone, as the receipt from which it draws the tree; when the author shares a
node with a member, one copy names both. Hop limits and "once per organisation" are the
public cascade's (node.solidarity.amplification), which calls in here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import integrity
from node.activitypub.circles import AttestedAuthor, addressed, circle_announce_to_as
from node.errors import InvalidInput, SolidarityError
from node.federation import recipients, sending
from node.federation.runtime import Runtime
from node.publication import Visibility
from node.storage import actors, allies, cascade, circles, outbox, signed_objects
from node.storage import remote_actors as actor_rows
from node.storage.actors import LocalActor
from node.storage.allies import Ally
from node.storage.amplifications import Amplification
from node.storage.objects import StoredObject
from node.urls import same_origin


def is_circle(call: StoredObject) -> bool:
    return call.visibility is Visibility.CIRCLE


def audience_of(call: StoredObject) -> frozenset[str] | None:
    """Whom a circle call's own document addresses (None for any other call)."""
    return addressed(call.document) if is_circle(call) else None


async def onward(
    session: AsyncSession, node: Runtime, org: LocalActor, ally: Ally, call: StoredObject
) -> tuple[str, ...]:
    """The members an organisation passes this ally's circle call on to: the circle its ally
    record names, without the organisation and the call's author (who gets a receipt)."""
    if ally.circle_id is None:
        return ()
    circle = await circles.by_id(session, ally.circle_id)
    if circle is None:
        return ()
    skip = {node.urls.actor(org.username), call.actor_iri}
    return tuple(member for member in circle.members if member not in skip)


async def passes_on(
    session: AsyncSession,
    node: Runtime,
    org: LocalActor,
    ally: Ally,
    call: StoredObject,
    arrival_addressed: frozenset[str] | None,
) -> bool:
    """Whether `org` passes on a circle call that arrived from `ally`: it was addressed to
    `org`, and the ally record names a circle with someone in it to pass it on to."""
    if arrival_addressed is None or node.urls.actor(org.username) not in arrival_addressed:
        return False
    return bool(await onward(session, node, org, ally, call))


async def check_onward(
    session: AsyncSession, node: Runtime, org: LocalActor, call: StoredObject, through: str | None
) -> None:
    """A member approving a circle call: the ally record must still name a circle with
    someone in it (else nothing is decided, so a member can name one and approve again)."""
    ally = await allies.of_pair(session, org.id, through or "")
    if ally is None or not await onward(session, node, org, ally, call):
        raise InvalidInput(
            f"{org.username} has no circle to pass this call on to: name one in the ally record"
        )


async def members_to_cache(
    session: AsyncSession,
    node: Runtime,
    pairs: Iterable[tuple[LocalActor, Ally]],
    call: StoredObject,
) -> list[str]:
    """The remote members the candidates' Announces would address (they must be cached)."""
    found: list[str] = []
    for org, ally in pairs:
        found += [
            m for m in await onward(session, node, org, ally, call) if not node.urls.is_local(m)
        ]
    return found


async def attested(
    session: AsyncSession, node: Runtime, call: StoredObject, signed: dict[str, Any]
) -> AttestedAuthor | None:
    """The call's author as this node knows it: the key that signed the call and its inbox,
    from its own row (a local author), its cached actor, or the signed copy's attested key."""
    proof = integrity.proof_of(signed)
    if proof is None:
        return None
    method, author = proof.verification_method, call.actor_iri
    if node.urls.is_local(author):
        name = node.urls.actor_name(author)
        local = await actors.by_username(session, name or "")
        if local.assertion_public is None:
            return None
        return AttestedAuthor(author, method, local.assertion_public, node.urls.shared_inbox)
    cached = await actor_rows.by_iri(session, author)
    if cached is not None and (key := dict(cached.assertion_keys).get(method)) is not None:
        return AttestedAuthor(author, method, key, cached.delivery_inbox)
    kept = await signed_objects.get(session, call.iri)
    if kept is None or kept.key is None or kept.key.key_id != method:
        return None
    return AttestedAuthor(author, method, kept.key.public_key, kept.key.author_inbox)


async def announce(
    session: AsyncSession,
    node: Runtime,
    org: LocalActor,
    call: StoredObject,
    row: Amplification,
    signed: dict[str, Any],
) -> frozenset[str]:
    """In the caller's transaction: the organisation's Announce of a circle call to its own
    circle, and its receipt to the author; returns whom the Announce addressed."""
    assert row.announce_iri is not None and row.through_iri is not None
    ally = await allies.of_pair(session, org.id, row.through_iri)
    members = () if ally is None else await onward(session, node, org, ally, call)
    if not members:
        raise SolidarityError(f"{org.username} has no circle to pass {call.iri} on to")
    author, org_iri, now = call.actor_iri, node.urls.actor(org.username), node.clock.now()
    author_attested = await attested(session, node, call, signed)
    remote_author = not node.urls.is_local(author)
    together = remote_author and any(same_origin(author, member) for member in members)
    to = [*members, author] if together else list(members)

    def copy(addressees: list[str]) -> dict[str, Any]:
        return circle_announce_to_as(
            row.announce_iri or "",
            org_iri,
            signed,
            to=addressees,
            via=row.via_iri,
            hop=row.hop,
            published=now,
            attested=author_attested,
        )

    document = copy(to)
    await outbox.record(
        session,
        iri=row.announce_iri,
        actor_id=org.id,
        type="Announce",
        object_iri=call.iri,
        visibility=Visibility.CIRCLE,
        document=document,
        published=now,
    )
    # organisations of this node in the circle read it from here (deliveries skip this node)
    await recipients.add(session, node.urls, call, document)
    await cascade.add(
        session,
        activity_iri=row.announce_iri,
        object_iri=call.iri,
        type="Announce",
        actor_iri=org_iri,
        via_iri=row.via_iri,
        hop=row.hop,
        at=now,
    )
    await sending.queue(session, node, org, document)
    if remote_author and not together:
        await send_receipt(session, node, org, copy([author]), author, author_attested)
    return frozenset(to)


async def send_receipt(
    session: AsyncSession,
    node: Runtime,
    org: LocalActor,
    receipt: dict[str, Any],
    author: str,
    author_attested: AttestedAuthor | None,
) -> None:
    """The Announce addressed to the call's author alone: to its cached inbox, else to the
    inbox attested with the call (on the author's own origin)."""
    if await actor_rows.by_iri(session, author) is not None:
        await sending.queue(session, node, org, receipt)
    elif author_attested is not None and author_attested.inbox:
        await sending.queue(session, node, org, receipt, extra_inboxes=[author_attested.inbox])
