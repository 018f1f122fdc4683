"""Organisations on SQLite and PostgreSQL: created with their keys, names checked, tokens, and
profile changes sent to followers as an Update."""

from __future__ import annotations

import pytest

from node.activitypub.objects import ActivityView
from node.errors import InvalidInput, NotFound
from node.federation import following
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import actors
from tests.support.actors import RemoteHost
from tests.support.queued import queued


async def test_organisation_round_trip(node: Runtime, alpha: str) -> None:
    found = await organisations.get(node.db, "alpha")
    assert found.display_name == "Alpha Collective"
    assert found.created_at == node.clock.now()
    assert found.created_at.tzinfo is not None
    assert "BEGIN PUBLIC KEY" in found.public_key_pem
    assert "PRIVATE KEY" in found.private_key_pem
    assert [o.username for o in await organisations.list_all(node.db)] == ["alpha"]


async def test_names_are_unique_valid_and_not_the_instance_actor(node: Runtime, alpha: str) -> None:
    with pytest.raises(InvalidInput, match="already taken"):
        await organisations.create_organisation(node.db, node.clock, node.urls, "alpha")
    for bad in ("Alpha", "-x", "a b", "", "x" * 31, "é"):
        with pytest.raises(InvalidInput, match="not a valid organisation name"):
            await organisations.create_organisation(node.db, node.clock, node.urls, bad)
    with pytest.raises(InvalidInput, match="reserved"):
        await organisations.create_organisation(node.db, node.clock, node.urls, "node.test")
    with pytest.raises(InvalidInput, match="display name"):
        await organisations.create_organisation(node.db, node.clock, node.urls, "b", "x" * 101)


async def test_a_profile_change_goes_to_followers_as_an_update(
    node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    follow = {"id": f"{bob.iri}/follows/1", "type": "Follow", "actor": bob.iri, "object": alpha}
    await following.on_follow(node, ActivityView.from_document(follow))
    before = await organisations.get(node.db, "alpha")

    changed = await organisations.update(
        node, "alpha", display_name="Alpha", summary="New\n\nwords", rotate_key=True
    )

    assert (changed.display_name, changed.summary) == ("Alpha", "New\n\nwords")
    assert changed.public_key_pem != before.public_key_pem
    (update,) = await queued(node, "Update")
    assert update.inbox == "https://remote.test/inbox"
    assert update.activity["actor"] == alpha and update.activity["object"]["name"] == "Alpha"
    assert update.activity["object"]["summary"] == "<p>New</p><p>words</p>"
    assert update.activity["object"]["publicKey"]["publicKeyPem"] == changed.public_key_pem


async def test_the_hop_cap_is_no_part_of_the_profile(node: Runtime, alpha: str) -> None:
    capped = await organisations.update(node, "alpha", max_hops=20)
    assert capped.max_hops == 20
    assert await queued(node, "Update") == []
    for bad, message in ((0, "from 1 to 20, not 0"), (21, "not 21"), (True, "whole number")):
        with pytest.raises(InvalidInput, match=message):
            await organisations.update(node, "alpha", max_hops=bad)
    with pytest.raises(InvalidInput, match="summary is longer than 5000"):
        await organisations.update(node, "alpha", summary="x" * 5001)
    assert (await organisations.get(node.db, "alpha")).max_hops == 20


async def test_tokens_only_for_live_organisations(node: Runtime, alpha: str) -> None:
    assert (await organisations.create_token(node.db, node.clock, "alpha")).startswith("sn_")
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    with pytest.raises(InvalidInput, match="organisation 'alpha' was deleted"):
        await organisations.create_token(node.db, node.clock, "alpha")
    with pytest.raises(NotFound):
        await organisations.update(node, "alpha", summary="back")
    assert await organisations.list_all(node.db) == []
