"""Amplification's rules on one node, on SQLite and PostgreSQL: which arrivals of a call make a
local organisation announce it (hops, deadline, visibility, deletion, policy), once per
organisation, never by its author; members' decisions on manual ones; amplifying by hand.

The calls come from remote.test (a RemoteHost serving real actors), stored as the inbox stores
what it receives; arrivals are told to amplification as the inbox effects tell them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from node.activitypub.vocabulary import PUBLIC
from node.clock import FrozenClock
from node.errors import InvalidInput, NotFound
from node.federation.runtime import Runtime
from node.publication import DEFAULT_MAX_HOPS
from node.solidarity import allies, amplification, organisations, publishing, validation
from node.storage import amplifications, cascade, objects, outbox
from node.storage.actors import LocalActor
from node.storage.amplifications import PENDING, REJECTED, SENT, WITHDRAWN, Amplification
from node.storage.objects import StoredObject
from tests.support.actors import FakeActor, RemoteHost
from tests.support.content import content
from tests.support.queued import inboxes, queued
from tests.support.who import TESTER


@pytest.fixture
async def org(node: Runtime, alpha: str) -> LocalActor:
    return await organisations.get(node.db, "alpha")


@pytest.fixture
def author(remote: RemoteHost) -> FakeActor:
    return remote.actor("author")


@pytest.fixture
def woken(node: Runtime) -> list[bool]:
    found: list[bool] = []
    node.wake_worker = lambda: found.append(True)
    return found


async def ally(node: Runtime, org: LocalActor, actor: FakeActor, amplify: str = "auto") -> None:
    await allies.add(node, org, actor.iri, allies.Policy(amplify), who=TESTER)


async def received_call(node: Runtime, author: FakeActor, key: str, **given: Any) -> StoredObject:
    """A call by `author` as the inbox keeps it: public, due in a day unless told otherwise."""
    iri = f"{author.iri}/calls/{key}"
    now = node.clock.now()
    fields = {"deadline": now + timedelta(days=1)} | given
    document = {"id": iri, "type": "Note", "attributedTo": author.iri, "to": [PUBLIC]}
    async with node.db.transaction() as session:
        return await objects.put(
            session,
            iri=iri,
            actor_iri=author.iri,
            content=content(**fields),
            document=document,
            published=now,
            now=now,
        )


def create_of(call: StoredObject) -> str:
    return f"{call.iri}/activity"


async def announced_by(
    node: Runtime, actor: FakeActor, call: StoredObject, hop: int | None, name: str = "a"
) -> str:
    """`actor`'s Announce of the call (with `hop` when given) arrives; returns its id."""
    iri = f"{actor.iri}/announces/{name}-{call.iri.rsplit('/', 1)[-1]}"
    document: dict[str, Any] = {"id": iri, "type": "Announce", "actor": actor.iri}
    if hop is not None:
        document["hop"] = hop
    await amplification.on_announce(node, iri, actor.iri, document, call)
    return iri


async def rows(node: Runtime, call: StoredObject) -> list[Amplification]:
    async with node.db.transaction() as session:
        return await amplifications.of_object(session, call.iri)


async def hops_sent(node: Runtime, call: StoredObject) -> list[int]:
    return [row.hop for row in await rows(node, call) if row.state == SENT]


async def test_an_allys_call_is_announced_once_with_via_hop_and_the_author_in_cc(
    node: Runtime, org: LocalActor, author: FakeActor, woken: list[bool]
) -> None:
    await ally(node, org, author)
    call = await received_call(node, author, "fund")
    woken.clear()

    await amplification.on_create(node, create_of(call), call)

    (row,) = await rows(node, call)
    assert (row.actor_id, row.state, row.hop) == (org.id, SENT, 1)
    assert (row.through_iri, row.via_iri) == (author.iri, create_of(call))
    assert woken == [True]
    (sent,) = await queued(node, "Announce")
    alpha = node.urls.actor("alpha")
    assert sent.activity["id"] == row.announce_iri
    assert (sent.activity["actor"], sent.activity["object"]) == (alpha, call.iri)
    assert (sent.activity["hop"], sent.activity["via"]) == (1, create_of(call))
    assert sent.activity["to"] == [PUBLIC]
    assert sent.activity["cc"] == [node.urls.followers("alpha"), author.iri]
    assert sent.inbox == f"{author.iri}/inbox"
    async with node.db.transaction() as session:
        listed = await outbox.outbox_page(session, org.id, 0, 20)
        entries = await cascade.of_object(session, call.iri)
    assert [document["id"] for document in listed] == [row.announce_iri]
    assert [(e.type, e.actor_iri, e.hop, e.via_iri) for e in entries] == [
        ("Create", author.iri, 0, None),
        ("Announce", alpha, 1, create_of(call)),
    ]

    # the same call arriving again, by another activity: nothing more is claimed or sent
    await announced_by(node, author, call, hop=0)
    await amplification.on_create(node, create_of(call), call)
    assert [r.id for r in await rows(node, call)] == [row.id]
    assert len(await queued(node, "Announce")) == 1


async def test_two_allies_passing_one_call_on_make_one_announce(
    node: Runtime, org: LocalActor, author: FakeActor, remote: RemoteHost
) -> None:
    carol = remote.actor("carol")
    await ally(node, org, author)
    await ally(node, org, carol)
    call = await received_call(node, author, "diamond")

    via_carol = await announced_by(node, carol, call, hop=1)
    await amplification.on_create(node, create_of(call), call)

    (row,) = await rows(node, call)
    assert (row.state, row.hop, row.through_iri, row.via_iri) == (SENT, 2, carol.iri, via_carol)
    announces = await queued(node, "Announce")
    assert {sent.activity["id"] for sent in announces} == {row.announce_iri}
    assert announces[0].activity["cc"] == [node.urls.followers("alpha"), author.iri, carol.iri]
    assert inboxes(announces) == {f"{author.iri}/inbox", f"{carol.iri}/inbox"}


async def test_a_call_travels_its_max_hops_and_no_further(
    node: Runtime, org: LocalActor, author: FakeActor
) -> None:
    await ally(node, org, author)
    within = await received_call(node, author, "within", max_hops=2)
    beyond = await received_call(node, author, "beyond", max_hops=2)

    await announced_by(node, author, within, hop=1)
    await announced_by(node, author, beyond, hop=2)

    assert await hops_sent(node, within) == [2]
    assert await rows(node, beyond) == []
    assert amplification.hop_limit(within) == 2


async def test_without_max_hops_a_call_travels_six_hops(
    node: Runtime, org: LocalActor, author: FakeActor
) -> None:
    await ally(node, org, author)
    sixth = await received_call(node, author, "sixth")
    seventh = await received_call(node, author, "seventh")
    assert sixth.fields.max_hops is None and amplification.hop_limit(sixth) == DEFAULT_MAX_HOPS

    await announced_by(node, author, sixth, hop=5)
    await announced_by(node, author, seventh, hop=6)

    assert await hops_sent(node, sixth) == [6]
    assert await rows(node, seventh) == []


async def test_the_organisations_own_cap_or_the_calls_limit_whichever_is_lower(
    node: Runtime, org: LocalActor, author: FakeActor
) -> None:
    capped = await organisations.update(node, "alpha", max_hops=3)
    await ally(node, capped, author)
    far = await received_call(node, author, "far", max_hops=10)
    near = await received_call(node, author, "near", max_hops=1)
    assert amplification.hop_limit(far, capped) == 3
    assert amplification.hop_limit(near, capped) == 1

    await announced_by(node, author, far, hop=3, name="first")  # hop 4: past alpha's cap
    await announced_by(node, author, near, hop=1, name="first")  # hop 2: past the call's
    assert await rows(node, far) == [] and await rows(node, near) == []

    await announced_by(node, author, far, hop=2, name="second")
    await announced_by(node, author, near, hop=0, name="second")
    assert await hops_sent(node, far) == [3]
    assert await hops_sent(node, near) == [1]


async def test_closed_calls_travel_no_further(
    node: Runtime, org: LocalActor, author: FakeActor, clock: FrozenClock
) -> None:
    await ally(node, org, author)
    late = await received_call(node, author, "late", deadline=clock.now() + timedelta(hours=1))
    closed = [
        late,
        await received_call(node, author, "unlisted", visibility="unlisted"),
        await received_call(node, author, "followers", visibility="followers"),
        await received_call(node, author, "strategy", kind="strategy", type="Article"),
    ]
    deleted = await received_call(node, author, "deleted")
    async with node.db.transaction() as session:
        await objects.tombstone(session, deleted.iri, {"id": deleted.iri}, clock.now())
        gone = await objects.get(session, deleted.iri)
    assert gone is not None
    closed.append(gone)
    clock.advance(timedelta(hours=2))

    for call in closed:
        assert not amplification.is_open(node, call), call.iri
        await amplification.on_create(node, create_of(call), call)
        await announced_by(node, author, call, hop=0)
        assert await rows(node, call) == [], call.iri
    assert await queued(node, "Announce") == []


@pytest.mark.parametrize(
    ("policy", "narrowing", "call", "expected"),
    [
        ("never", {}, {}, None),
        ("manual", {}, {}, PENDING),
        ("auto", {}, {}, SENT),
        ("urgent", {}, {"urgency": "normal"}, None),
        ("urgent", {}, {"urgency": "high"}, SENT),
        ("urgent", {}, {"urgency": "critical"}, SENT),
        ("auto", {"regions": ["PL"]}, {"regions": ["DE"]}, None),
        ("auto", {"regions": ["pl"]}, {"regions": ["DE", "PL"]}, SENT),
        ("auto", {"themes": ["housing"]}, {"themes": ["labour"]}, None),
        ("manual", {"themes": ["#Labour"]}, {"themes": ["labour"]}, PENDING),
        ("urgent", {"regions": ["PL"]}, {"regions": ["PL"], "urgency": "low"}, None),
    ],
)
async def test_each_policy_and_its_narrowing(
    node: Runtime,
    org: LocalActor,
    author: FakeActor,
    policy: str,
    narrowing: dict[str, list[str]],
    call: dict[str, Any],
    expected: str | None,
) -> None:
    body = {"amplify": policy} | narrowing
    await allies.add(node, org, author.iri, allies.policy_from(body), who=TESTER)
    stored = await received_call(node, author, "call", **call)

    await amplification.on_create(node, create_of(stored), stored)

    assert [row.state for row in await rows(node, stored)] == ([expected] if expected else [])
    assert len(await queued(node, "Announce")) == (1 if expected == SENT else 0)


async def test_the_author_never_amplifies_its_own_call(node: Runtime, org: LocalActor) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    await allies.add(node, beta, "alpha@node.test", allies.Policy("auto"), who=TESTER)
    await allies.add(node, org, "beta@node.test", allies.Policy("auto"), who=TESTER)  # a cycle back
    body = {"title": "Fill the court", "content": "Come.", "deadline": "2026-12-01T18:00Z"}
    call = await publishing.publish(node, org, validation.call(body, node.clock.now()))

    found = await rows(node, call)
    assert [(row.actor_id, row.state, row.hop) for row in found] == [(beta.id, SENT, 1)]
    with pytest.raises(InvalidInput, match="does not amplify its own call"):
        await amplification.by_hand(node, org, call)


async def test_a_manual_amplification_waits_for_a_member_who_approves(
    node: Runtime, org: LocalActor, author: FakeActor, woken: list[bool]
) -> None:
    await ally(node, org, author, "manual")
    call = await received_call(node, author, "ask")
    await amplification.on_create(node, create_of(call), call)

    ((row, listed),) = await amplification.pending(node, org)
    assert (row.state, row.hop, row.announce_iri, listed.iri) == (PENDING, 1, None, call.iri)
    assert await queued(node, "Announce") == []
    woken.clear()

    decided = await amplification.decide(node, org, row.id, approve=True)

    assert (decided.id, decided.state, decided.hop) == (row.id, SENT, 1)
    (sent,) = await queued(node, "Announce")
    assert sent.activity["id"] == decided.announce_iri and sent.activity["via"] == create_of(call)
    assert woken == [True]
    assert await amplification.pending(node, org) == []
    with pytest.raises(InvalidInput, match=f"amplification {row.id} is already sent"):
        await amplification.decide(node, org, row.id, approve=True)


async def test_a_rejected_amplification_sends_nothing(
    node: Runtime, org: LocalActor, author: FakeActor
) -> None:
    await ally(node, org, author, "manual")
    call = await received_call(node, author, "ask")
    await amplification.on_create(node, create_of(call), call)
    ((row, _),) = await amplification.pending(node, org)

    decided = await amplification.decide(node, org, row.id, approve=False)

    assert (decided.state, decided.announce_iri) == (REJECTED, None)
    assert await queued(node, "Announce") == []
    assert await amplification.pending(node, org) == []


async def test_approving_after_the_deadline_withdraws_it_with_a_clear_error(
    node: Runtime, org: LocalActor, author: FakeActor, clock: FrozenClock
) -> None:
    await ally(node, org, author, "manual")
    call = await received_call(node, author, "soon", deadline=clock.now() + timedelta(hours=1))
    await amplification.on_create(node, create_of(call), call)
    ((row, _),) = await amplification.pending(node, org)
    clock.advance(timedelta(hours=2))

    with pytest.raises(InvalidInput, match="deadline passed; nothing was sent"):
        await amplification.decide(node, org, row.id, approve=True)

    async with node.db.transaction() as session:
        withdrawn = await amplifications.get(session, row.id)
    assert withdrawn is not None and withdrawn.state == WITHDRAWN
    assert await queued(node, "Announce") == []


async def test_a_deleted_calls_pending_amplifications_are_withdrawn(
    node: Runtime, org: LocalActor, author: FakeActor
) -> None:
    await ally(node, org, author, "manual")
    call = await received_call(node, author, "ask")
    await amplification.on_create(node, create_of(call), call)
    ((row, _),) = await amplification.pending(node, org)

    await amplification.on_withdrawn(node, call.iri)

    assert [r.state for r in await rows(node, call)] == [WITHDRAWN]
    with pytest.raises(InvalidInput, match="already withdrawn"):
        await amplification.decide(node, org, row.id, approve=True)


async def test_only_the_organisation_decides_on_its_amplifications(
    node: Runtime, org: LocalActor, author: FakeActor
) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    await ally(node, org, author, "manual")
    call = await received_call(node, author, "ask")
    await amplification.on_create(node, create_of(call), call)
    ((row, _),) = await amplification.pending(node, org)

    with pytest.raises(NotFound, match=f"beta has no amplification {row.id}"):
        await amplification.decide(node, beta, row.id, approve=True)
    with pytest.raises(NotFound, match="alpha has no amplification 999"):
        await amplification.decide(node, org, 999, approve=True)
    assert [r.state for r in await rows(node, call)] == [PENDING]


async def test_by_hand_goes_through_the_nearest_arrival_once(
    node: Runtime, org: LocalActor, author: FakeActor, woken: list[bool]
) -> None:
    call = await received_call(node, author, "seen")
    await amplification.on_create(node, create_of(call), call)  # not an ally: nothing yet
    assert await rows(node, call) == []

    made = await amplification.by_hand(node, org, call)

    assert (made.state, made.hop, made.via_iri, made.through_iri) == (
        SENT,
        1,
        create_of(call),
        author.iri,
    )
    assert [q.activity["id"] for q in await queued(node, "Announce")] == [made.announce_iri]
    assert woken == [True]
    with pytest.raises(InvalidInput, match="alpha has already amplified"):
        await amplification.by_hand(node, org, call)


async def test_by_hand_refuses_closed_calls_and_calls_out_of_hops(
    node: Runtime, org: LocalActor, author: FakeActor, clock: FrozenClock
) -> None:
    late = await received_call(node, author, "late", deadline=clock.now() + timedelta(hours=1))
    unlisted = await received_call(node, author, "unlisted", visibility="unlisted")
    spent = await received_call(node, author, "spent", max_hops=0)
    clock.advance(timedelta(hours=2))

    for closed in (late, unlisted):
        with pytest.raises(InvalidInput, match="is not an open public call"):
            await amplification.by_hand(node, org, closed)
    with pytest.raises(InvalidInput, match="has travelled its 0 hops"):
        await amplification.by_hand(node, org, spent)
    assert await queued(node, "Announce") == []
