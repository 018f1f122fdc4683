"""An inbox POST naming more addressees than any server sends is refused before anything is
fetched or stored; one at the bound is accepted, and the organisation it addresses (last in
its list) is recorded as addressed."""

from __future__ import annotations

import httpx

from node.activitypub.objects import MAX_ADDRESSED
from node.federation.runtime import Runtime
from node.storage import actors, addressees, objects
from tests.federation.test_receiving import INBOX, create, drain, note, stored_count
from tests.support.actors import RemoteHost, post_signed


def people(remote: RemoteHost, count: int) -> list[str]:
    return [f"https://{remote.host}/users/p{i}" for i in range(count)]


async def test_one_addressee_over_the_bound_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    activity = create(bob, note(bob, "many", to=[*people(remote, MAX_ADDRESSED), alpha]))
    response = await post_signed(client, bob, INBOX, activity, node.clock.now())
    assert response.status_code == 400, response.text
    assert f"more than {MAX_ADDRESSED} addressees" in response.json()["error"]
    assert await stored_count(node) == 0


async def test_a_direct_note_at_the_bound_reaches_its_last_addressee(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    addressed = [*people(remote, MAX_ADDRESSED - 1), alpha]
    activity = create(bob, note(bob, "bound", to=addressed[:500], cc=addressed[500:]))
    response = await post_signed(client, bob, INBOX, activity, node.clock.now())
    assert response.status_code == 202, response.text
    await drain(node)
    async with node.db.transaction() as session:
        stored = await objects.get(session, f"{bob.iri}/notes/bound")
        assert stored is not None and stored.visibility == "direct"
        alpha_id = (await actors.by_username(session, "alpha")).id
        assert await addressees.of_object(session, stored.id) == {alpha_id}
