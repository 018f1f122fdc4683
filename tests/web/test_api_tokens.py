"""API tokens over the API: listed without their secrets, created with an expiry, revoked;
an expired or revoked token stops working at once, each use is recorded, and an organisation
sees and revokes only its own."""

from __future__ import annotations

from datetime import timedelta

import httpx

from node.activitypub.vocabulary import iso
from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.solidarity import organisations


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_tokens_are_listed_created_with_an_expiry_and_revoked(
    client: httpx.AsyncClient, node: Runtime, clock: FrozenClock, alpha: str
) -> None:
    first = await organisations.create_token(node.db, node.clock, "alpha", "laptop")
    listed = await client.get("/api/v1/tokens", headers=bearer(first))
    assert listed.status_code == 200
    [info] = listed.json()["tokens"]
    assert info["label"] == "laptop" and info["expires"] is None
    assert info["last_used"] == iso(clock.now())  # this very request
    assert first not in listed.text

    body = {"label": "phone", "expires_in_days": 2}
    made = await client.post("/api/v1/tokens", json=body, headers=bearer(first))
    assert made.status_code == 201, made.text
    second = made.json()
    assert second["token"].startswith("sn_") and second["label"] == "phone"
    assert second["expires"] == iso(clock.now() + timedelta(days=2))
    assert (await client.get("/api/v1/organisation", headers=bearer(second["token"]))).is_success

    clock.advance(timedelta(days=2))
    expired = await client.get("/api/v1/organisation", headers=bearer(second["token"]))
    assert expired.status_code == 401 and "expired" in expired.json()["error"]

    gone = await client.delete(f"/api/v1/tokens/{info['id']}", headers=bearer(first))
    assert gone.status_code == 204
    assert (await client.get("/api/v1/tokens", headers=bearer(first))).status_code == 401


async def test_an_organisation_sees_and_revokes_only_its_own_tokens(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta")
    alphas = await organisations.create_token(node.db, node.clock, "alpha")
    betas = await organisations.create_token(node.db, node.clock, "beta")
    [beta_token] = (await client.get("/api/v1/tokens", headers=bearer(betas))).json()["tokens"]
    refused = await client.delete(f"/api/v1/tokens/{beta_token['id']}", headers=bearer(alphas))
    assert refused.status_code == 404
    assert len((await client.get("/api/v1/tokens", headers=bearer(alphas))).json()["tokens"]) == 1
    for body in ({"expires_in_days": 0}, {"expires_in_days": "3"}, {"label": 4}):
        bad = await client.post("/api/v1/tokens", json=body, headers=bearer(alphas))
        assert bad.status_code == 400, body
    assert (await client.delete("/api/v1/tokens/x", headers=bearer(alphas))).status_code == 400
