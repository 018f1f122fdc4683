"""Amplification rows on SQLite and PostgreSQL: claimed once per (organisation, call) by
insertion, so a second claim gets nothing; pending ones decided once, or withdrawn together
when their call goes."""

from __future__ import annotations

from datetime import timedelta

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import amplifications
from node.storage.amplifications import PENDING, REJECTED, SENT, WITHDRAWN, Amplification

CALL = "https://remote.test/calls/1"


async def claim(
    node: Runtime, actor_id: int, state: str, call: str = CALL, hop: int = 1
) -> Amplification | None:
    announce = f"https://node.test/activities/{actor_id}-{hop}" if state == SENT else None
    async with node.db.transaction() as session:
        return await amplifications.claim(
            session,
            actor_id=actor_id,
            object_iri=call,
            state=state,
            through_iri="https://remote.test/users/a",
            via_iri=f"{call}/activity",
            hop=hop,
            announce_iri=announce,
            now=node.clock.now(),
        )


async def test_one_claim_per_organisation_and_call(node: Runtime, alpha: str) -> None:
    org = await organisations.get(node.db, "alpha")
    first = await claim(node, org.id, SENT)
    assert first is not None and (first.state, first.hop) == (SENT, 1)
    assert await claim(node, org.id, SENT, hop=2) is None
    assert await claim(node, org.id, PENDING) is None
    other = await claim(node, org.id, SENT, call="https://remote.test/calls/2")
    assert other is not None
    async with node.db.transaction() as session:
        assert await amplifications.of_object(session, CALL) == [first]
        assert await amplifications.find(session, org.id, CALL) == first
        assert await amplifications.get(session, first.id) == first


async def test_pending_rows_are_decided_once(node: Runtime, alpha: str, clock: FrozenClock) -> None:
    org = await organisations.get(node.db, "alpha")
    waiting = await claim(node, org.id, PENDING)
    assert waiting is not None
    async with node.db.transaction() as session:
        assert await amplifications.pending_of(session, org.id) == [waiting]
    clock.advance(timedelta(minutes=5))
    announce = "https://node.test/activities/approved"
    async with node.db.transaction() as session:
        assert await amplifications.decide(session, waiting.id, SENT, announce, clock.now())
        assert not await amplifications.decide(session, waiting.id, REJECTED, None, clock.now())
        decided = await amplifications.get(session, waiting.id)
        assert await amplifications.pending_of(session, org.id) == []
    assert decided is not None and (decided.state, decided.announce_iri) == (SENT, announce)


async def test_a_withdrawn_call_withdraws_only_its_pending_rows(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    beta = await organisations.create_organisation(node.db, clock, node.urls, "beta")
    sent = await claim(node, org.id, SENT)
    waiting = await claim(node, beta.id, PENDING)
    elsewhere = await claim(node, beta.id, PENDING, call="https://remote.test/calls/2")
    assert sent and waiting and elsewhere
    async with node.db.transaction() as session:
        assert await amplifications.withdraw_pending(session, CALL, clock.now()) == 1
        assert await amplifications.withdraw_pending(session, CALL, clock.now()) == 0
        states = {a.id: a.state for a in await amplifications.of_object(session, CALL)}
        assert await amplifications.pending_of(session, beta.id) == [elsewhere]
    assert states == {sent.id: SENT, waiting.id: WITHDRAWN}
