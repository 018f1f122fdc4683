"""Ally and circle changes are owner actions, audited in the transaction of the change (on
SQLite and PostgreSQL): each change leaves one entry naming who, the action, the target and
what changed; a refused change leaves none, and a change whose audit entry cannot be written
is not made."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event

from node.errors import InvalidInput, NotFound
from node.federation.runtime import Runtime
from node.solidarity import allies, circles, organisations
from node.storage import audit
from node.storage.actors import LocalActor
from node.storage.audit import Entry, Who
from node.storage.tables import AuditRow
from tests.support.actors import RemoteHost
from tests.support.who import TESTER

BETA = "https://node.test/users/beta"
GAMMA = "https://node.test/users/gamma"


@pytest.fixture
async def org(node: Runtime, alpha: str) -> LocalActor:
    for name in ("beta", "gamma"):
        await organisations.create_organisation(node.db, node.clock, node.urls, name)
    return await organisations.get(node.db, "alpha")


async def logged(node: Runtime, prefix: str = "") -> list[Entry]:
    """The entries of allies and circles, oldest first."""
    async with node.db.transaction() as session:
        found = await audit.entries(session, action=prefix or None, limit=500)
    kept = [e for e in found if e.action.startswith(("ally.", "circle."))]
    return list(reversed(kept))


def seen(entries: list[Entry]) -> list[tuple[str, str, str]]:
    return [(str(e.who), e.action, e.target) for e in entries]


async def test_adding_re_setting_and_removing_an_ally_are_audited(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    await circles.add(node, org, "onward", [GAMMA], who=TESTER)
    bob = remote.actor("bob")
    made, _ = await allies.add(node, org, bob.iri, allies.Policy("auto"), who=TESTER)
    policy = allies.Policy("urgent", ("PL",), ("housing",), "onward")
    await allies.add(node, org, bob.iri, policy, who=Who(audit.MEMBER, "ana@example.org", "x"))
    await allies.remove(node, org, made.id, who=TESTER)

    entries = await logged(node, "ally")
    assert seen(entries) == [
        ("cli:tester", "ally.add", bob.iri),
        ("member:ana@example.org", "ally.update", bob.iri),
        ("cli:tester", "ally.remove", bob.iri),
    ]
    plain = {"amplify": "auto", "regions": [], "themes": [], "circle": None}
    assert entries[0].details == {"org": "alpha", "id": made.id, "followed": True} | plain
    assert entries[1].details == {
        "org": "alpha",
        "id": made.id,
        "amplify": "urgent",
        "regions": ["PL"],
        "themes": ["housing"],
        "circle": "onward",
        "was": plain,
    }
    assert entries[2].details == {"org": "alpha", "id": made.id, "amplify": "urgent"}
    assert entries[2].who.origin == "command line on test"


async def test_a_refused_ally_change_leaves_no_entry(node: Runtime, org: LocalActor) -> None:
    with pytest.raises(InvalidInput, match="cannot be its own ally"):
        await allies.add(node, org, "alpha@node.test", allies.Policy("auto"), who=TESTER)
    with pytest.raises(InvalidInput, match="no circle 'nope'"):
        await allies.add(node, org, BETA, allies.Policy("auto", circle="nope"), who=TESTER)
    made, _ = await allies.add(node, org, BETA, allies.Policy("auto"), who=TESTER)
    beta = await organisations.get(node.db, "beta")
    with pytest.raises(NotFound):
        await allies.remove(node, beta, made.id, who=TESTER)  # not beta's
    with pytest.raises(NotFound):
        await allies.remove(node, org, made.id + 1, who=TESTER)
    assert [e.action for e in await logged(node)] == ["ally.add"]
    assert len(await allies.of(node, org)) == 1


async def test_making_changing_and_deleting_a_circle_are_audited(
    node: Runtime, org: LocalActor
) -> None:
    await circles.add(node, org, "inner", ["beta@node.test"], who=TESTER, only_new=True)
    await circles.add(node, org, "inner", [BETA, GAMMA], who=TESTER)
    await circles.remove_members(node, org, "inner", [BETA, "https://gone.test/x"], who=TESTER)
    await circles.delete(node, org, "inner", who=TESTER)

    entries = await logged(node, "circle")
    assert seen(entries) == [
        ("cli:tester", "circle.create", "inner"),
        ("cli:tester", "circle.members.add", "inner"),
        ("cli:tester", "circle.members.remove", "inner"),
        ("cli:tester", "circle.delete", "inner"),
    ]
    assert [e.details for e in entries] == [
        {"org": "alpha", "members": [BETA]},
        {"org": "alpha", "members": [GAMMA]},  # only who was not in yet
        {"org": "alpha", "members": [BETA]},  # only who was in
        {"org": "alpha", "members": 1},
    ]


async def test_a_refused_circle_change_leaves_no_entry(node: Runtime, org: LocalActor) -> None:
    await circles.add(node, org, "inner", [BETA], who=TESTER)
    refusals: list[tuple[Callable[[], Awaitable[Any]], type[Exception]]] = [
        (lambda: circles.add(node, org, "inner", [GAMMA], who=TESTER, only_new=True), InvalidInput),
        (lambda: circles.add(node, org, "Bad Name", [GAMMA], who=TESTER), InvalidInput),
        (lambda: circles.add(node, org, "inner", ["alpha@node.test"], who=TESTER), InvalidInput),
        (lambda: circles.remove_members(node, org, "nope", [BETA], who=TESTER), NotFound),
        (lambda: circles.delete(node, org, "nope", who=TESTER), NotFound),
    ]
    for attempt, error in refusals:
        with pytest.raises(error):
            await attempt()
    assert [e.action for e in await logged(node)] == ["circle.create"]
    assert [c.members for c in await circles.of(node, org)] == [(BETA,)]


async def test_without_its_audit_entry_the_change_is_not_made(
    node: Runtime, org: LocalActor
) -> None:
    """The entry is written in the change's transaction: when it fails, nothing changes."""

    def refuse(mapper: Any, connection: Any, target: AuditRow) -> None:
        raise RuntimeError("the audit log is unavailable")

    event.listen(AuditRow, "before_insert", refuse)
    try:
        with pytest.raises(RuntimeError):
            await allies.add(node, org, BETA, allies.Policy("auto"), who=TESTER)
        with pytest.raises(RuntimeError):
            await circles.add(node, org, "inner", [BETA], who=TESTER)
    finally:
        event.remove(AuditRow, "before_insert", refuse)
    assert await allies.of(node, org) == []
    assert await circles.of(node, org) == []
