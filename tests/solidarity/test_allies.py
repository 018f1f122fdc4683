"""Allies: a policy read from what a member sends (and refused with a reason), what a policy
says about a call, adding an ally (following it when not yet followed, re-setting a policy
without a second Follow), listing and removing; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from node.errors import InvalidInput, NotFound
from node.federation import following
from node.federation.runtime import Runtime
from node.publication import Fields, Kind, Urgency, Visibility
from node.solidarity import allies, organisations
from node.storage import follows
from node.storage.actors import LocalActor
from node.storage.allies import Ally
from node.storage.follows import ACCEPTED, PENDING
from tests.support.actors import RemoteHost
from tests.support.queued import queued
from tests.support.who import TESTER


@pytest.fixture
async def org(node: Runtime, alpha: str) -> LocalActor:
    return await organisations.get(node.db, "alpha")


def ally_with(amplify: str, regions: tuple[str, ...] = (), themes: tuple[str, ...] = ()) -> Ally:
    return Ally(1, 1, "https://remote.test/users/bob", amplify, regions, themes, datetime.now(UTC))


def call(urgency: Urgency | None = None, regions: tuple[str, ...] = (), **more: Any) -> Fields:
    return Fields(Kind.CALL, Visibility.PUBLIC, urgency=urgency, regions=regions, **more)


async def follow_of(node: Runtime, org: LocalActor, target: str) -> follows.Follow | None:
    async with node.db.transaction() as session:
        return await follows.get_pair(session, node.urls.actor(org.username), target)


def test_a_policy_is_read_with_its_narrowing() -> None:
    assert allies.policy_from({}) == allies.Policy("manual")
    body = {"amplify": "urgent", "regions": [" PL ", "PL", "DE"], "themes": ["housing"]}
    assert allies.policy_from(body) == allies.Policy("urgent", ("PL", "DE"), ("housing",))
    assert allies.policy_from({"regions": ["x" * 300]}).regions == ("x" * 200,)
    for amplify in allies.POLICIES:
        assert allies.policy_from({"amplify": amplify}).amplify == amplify


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"amplify": "always"},
            "'amplify' must be one of never, manual, auto, urgent, not 'always'",
        ),
        ({"amplify": None}, "'amplify' must be one of"),
        ({"regions": "PL"}, "'regions' must be a list of non-empty strings"),
        ({"themes": ["ok", " "]}, "'themes' must be a list of non-empty strings"),
        ({"themes": [7]}, "'themes' must be a list of non-empty strings"),
        ({"regions": [f"r{n}" for n in range(51)]}, "'regions' may hold at most 50 entries"),
    ],
)
def test_a_bad_policy_is_refused_with_a_reason(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        allies.policy_from(body)


def test_what_each_policy_says_about_a_call() -> None:
    assert allies.decision(ally_with("never"), call(Urgency.CRITICAL)) is None
    assert allies.decision(ally_with("manual"), call()) == "manual"
    assert allies.decision(ally_with("auto"), call()) == "auto"
    for urgency in (None, Urgency.LOW, Urgency.NORMAL):
        assert allies.decision(ally_with("urgent"), call(urgency)) is None
    for urgency in (Urgency.HIGH, Urgency.CRITICAL):
        assert allies.decision(ally_with("urgent"), call(urgency)) == "auto"


def test_regions_and_themes_narrow_a_policy_folded_as_labels_are() -> None:
    narrow = ally_with("auto", regions=("PL", "DE"), themes=("#Housing",))
    assert allies.decision(narrow, call(regions=("pl",), themes=("housing",))) == "auto"
    assert allies.decision(narrow, call(regions=("FR",), themes=("housing",))) is None
    assert allies.decision(narrow, call(regions=("DE",), themes=("labour",))) is None
    assert allies.decision(narrow, call()) is None  # a call for no region is not for PL or DE
    wide = ally_with("manual")
    assert allies.decision(wide, call(regions=("FR",), themes=("anything",))) == "manual"


async def test_adding_a_remote_ally_follows_it_once(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    woken: list[bool] = []
    node.wake_worker = lambda: woken.append(True)

    made, created = await allies.add(
        node, org, "bob@remote.test", allies.Policy("auto"), who=TESTER
    )

    assert created and (made.actor_id, made.ally_iri, made.amplify) == (org.id, bob.iri, "auto")
    pending = await follow_of(node, org, bob.iri)
    assert pending is not None and pending.state == PENDING
    (sent,) = await queued(node, "Follow")
    assert sent.activity["id"] == pending.follow_iri and sent.activity["object"] == bob.iri
    assert sent.inbox == f"{bob.iri}/inbox"
    assert woken == [True]

    # re-setting the policy changes it and sends no second Follow
    changed, created = await allies.add(
        node, org, bob.iri, allies.Policy("urgent", regions=("PL",)), who=TESTER
    )
    assert not created and changed.id == made.id
    assert (changed.amplify, changed.regions) == ("urgent", ("PL",))
    assert len(await queued(node, "Follow")) == 1
    assert [a.amplify for a in await allies.of(node, org)] == ["urgent"]


async def test_an_ally_already_followed_is_not_followed_again(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    await following.follow(node, org, bob.iri)
    async with node.db.transaction() as session:
        found = await follows.get_pair(session, node.urls.actor("alpha"), bob.iri)
        assert found is not None
        await follows.set_state(session, found.id, ACCEPTED, node.clock.now())

    await allies.add(node, org, bob.iri, allies.Policy("auto"), who=TESTER)

    assert len(await queued(node, "Follow")) == 1  # the follow's own, none for the ally
    accepted = await follow_of(node, org, bob.iri)
    assert accepted is not None and accepted.state == ACCEPTED


async def test_a_local_ally_is_followed_without_the_network(node: Runtime, org: LocalActor) -> None:
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta")

    made, created = await allies.add(
        node, org, "@beta@node.test", allies.Policy("manual"), who=TESTER
    )

    assert created and made.ally_iri == node.urls.actor("beta")
    local = await follow_of(node, org, node.urls.actor("beta"))
    assert local is not None and local.state == ACCEPTED
    assert await queued(node) == []


async def test_an_organisation_is_not_its_own_ally(node: Runtime, org: LocalActor) -> None:
    for target in ("alpha@node.test", node.urls.actor("alpha")):
        with pytest.raises(InvalidInput, match="cannot be its own ally"):
            await allies.add(node, org, target, allies.Policy("auto"), who=TESTER)
    with pytest.raises(InvalidInput, match="neither a handle"):
        await allies.add(node, org, "nobody", allies.Policy("auto"), who=TESTER)
    assert await allies.of(node, org) == []


async def test_removing_an_ally_keeps_the_follow(
    node: Runtime, org: LocalActor, remote: RemoteHost
) -> None:
    bob, carol = remote.actor("bob"), remote.actor("carol")
    first, _ = await allies.add(node, org, bob.iri, allies.Policy("auto"), who=TESTER)
    second, _ = await allies.add(node, org, carol.iri, allies.Policy("never"), who=TESTER)
    assert [a.id for a in await allies.of(node, org)] == [first.id, second.id]

    await allies.remove(node, org, first.id, who=TESTER)

    assert [a.ally_iri for a in await allies.of(node, org)] == [carol.iri]
    assert await follow_of(node, org, bob.iri) is not None
    with pytest.raises(NotFound, match=f"alpha has no ally {first.id}"):
        await allies.remove(node, org, first.id, who=TESTER)
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    with pytest.raises(NotFound, match=f"beta has no ally {second.id}"):
        await allies.remove(node, beta, second.id, who=TESTER)
    assert len(await allies.of(node, org)) == 1
