"""An organisation can hide its followers and following lists: the collections then show
their counts only (no pages, as Mastodon reads a hidden collection), and show them again."""

from __future__ import annotations

import httpx

from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import follows

AS2 = {"Accept": "application/activity+json"}


async def test_follows_can_be_hidden_to_counts_only(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    async with node.db.transaction() as session:
        for n in range(3):
            follower = f"https://remote.test/users/f{n}"
            await follows.put(session, follower, alpha, follows.ACCEPTED, None, node.clock.now())
    token = await organisations.create_token(node.db, node.clock, "alpha")
    headers = {"Authorization": f"Bearer {token}"}
    shown = (await client.get(f"{alpha}/followers", headers=AS2)).json()
    assert shown["totalItems"] == 3 and "first" in shown

    hide = await client.patch("/api/v1/organisation", json={"hide_follows": True}, headers=headers)
    assert hide.status_code == 200 and hide.json()["hide_follows"] is True
    for which, total in (("followers", 3), ("following", 0)):
        hidden = await client.get(f"{alpha}/{which}", headers=AS2)
        assert hidden.status_code == 200
        assert hidden.json()["totalItems"] == total and "first" not in hidden.json()
        page = await client.get(f"{alpha}/{which}?page=1", headers=AS2)
        assert page.status_code == 404 and "remote.test" not in page.text
    assert (await client.get(f"{alpha}/outbox?page=1", headers=AS2)).status_code == 200

    show = await client.patch("/api/v1/organisation", json={"hide_follows": False}, headers=headers)
    assert show.json()["hide_follows"] is False
    page = (await client.get(f"{alpha}/followers?page=1", headers=AS2)).json()
    assert len(page["orderedItems"]) == 3
