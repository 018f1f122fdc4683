"""The admin API and what the federation settings change at the node's doors: admin tokens
and organisation tokens kept apart; the mode and switches; lockdown (signed fetches only,
hidden followers and following, public pages reduced to names) and back, exactly; allowlist
refusals of inbox posts, fetches and WebFinger; every change in the audit log with who and
from where.

Requests from other servers are really signed (support.actors), in process.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from node.activitypub.keys import load_private_key
from node.activitypub.signatures import sign_request
from node.federation.runtime import Runtime
from node.solidarity import organisations
from tests.support.actors import FakeActor, RemoteHost, create_note, hosted, post_signed
from tests.support.admin import admin_api, admin_token
from tests.support.router import HostRouter

AS2 = "application/activity+json"
SHARED = "https://node.test/inbox"


@pytest.fixture
async def admin(node: Runtime) -> str:
    return await admin_token(node, "ops laptop")


@pytest.fixture
def ally(router: HostRouter) -> RemoteHost:
    return hosted(router, "ally.test")


@pytest.fixture
def stranger(router: HostRouter) -> RemoteHost:
    return hosted(router, "stranger.test")


async def signed_get(
    client: httpx.AsyncClient, actor: FakeActor, url: str, now: Any, accept: str = AS2
) -> httpx.Response:
    headers = {"Accept": accept}
    key = load_private_key(actor.keys.private_pem)
    signed = sign_request("GET", url, headers, None, actor.key_id, key, now)
    return await client.get(url, headers=headers | signed)


async def test_admin_and_organisation_tokens_are_kept_apart(
    client: httpx.AsyncClient, node: Runtime, alpha: str, admin: str
) -> None:
    org_token = await organisations.create_token(node.db, node.clock, "alpha")
    assert (await admin_api(client, org_token, "GET", "/federation")).status_code == 403
    assert (await client.get("/api/v1/admin/federation")).status_code == 401
    as_org = await client.get("/api/v1/follows", headers={"Authorization": f"Bearer {admin}"})
    assert as_org.status_code == 403
    assert (await admin_api(client, admin, "GET", "/federation")).status_code == 200


async def test_lockdown_closes_the_doors_and_opening_restores_every_setting(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    admin: str,
    ally: RemoteHost,
    stranger: RemoteHost,
) -> None:
    set_first = {"hide_collections": True}
    assert (
        await admin_api(client, admin, "PATCH", "/federation", json=set_first)
    ).status_code == 200
    added = await admin_api(
        client, admin, "POST", "/federation/allowed", json={"domain": "ally.test"}
    )
    assert added.status_code == 201
    before = (await admin_api(client, admin, "GET", "/federation")).json()
    assert (before["mode"], before["hide_collections"], before["lockdown"]) == (
        "open",
        True,
        False,
    )

    locked = (await admin_api(client, admin, "POST", "/lockdown", json={"on": True})).json()
    assert (locked["mode"], locked["lockdown"]) == ("allowlist", True)
    assert locked["signed_fetches"] and locked["hide_collections"] and locked["reduced_pages"]
    refused = await admin_api(client, admin, "PATCH", "/federation", json={"mode": "open"})
    assert refused.status_code == 400 and "lockdown off" in refused.json()["error"]

    now = node.clock.now()
    carol, eve = ally.actor("carol"), stranger.actor("eve")
    # unsigned: 401 everywhere but the instance actor; signed by an ally: served
    assert (await client.get("/users/alpha", headers={"Accept": AS2})).status_code == 401
    assert (await client.get("/actor", headers={"Accept": AS2})).status_code == 200
    webfinger = "/.well-known/webfinger?resource=acct:alpha@node.test"
    assert (await client.get(webfinger)).status_code == 401
    assert (
        await signed_get(client, carol, f"https://node.test{webfinger}", now)
    ).status_code == 200
    assert (
        await signed_get(client, carol, "https://node.test/users/alpha", now)
    ).status_code == 200
    # a stranger's server: refused whatever it asks, and its posts too
    for path in ("/users/alpha", webfinger, "/users/alpha/outbox"):
        answer = await signed_get(client, eve, f"https://node.test{path}", now)
        assert answer.status_code == 403, path
        assert "not on this node's allowlist" in answer.json()["error"]
    posted = await post_signed(client, eve, SHARED, create_note(eve, "x"), now)
    assert posted.status_code == 403
    assert (
        await post_signed(client, carol, SHARED, create_note(carol, "y"), now)
    ).status_code == 202
    # followers counted, not listed; pages reduced to names
    followers = await signed_get(client, carol, "https://node.test/users/alpha/followers", now)
    assert followers.json()["totalItems"] == 0 and "first" not in followers.json()
    page = await signed_get(client, carol, "https://node.test/users/alpha/followers?page=1", now)
    assert page.status_code == 403
    profile = await client.get("/@alpha", headers={"Accept": "text/html"})
    assert "Alpha Collective" in profile.text and "Together" not in profile.text
    home = await client.get("/", headers={"Accept": "text/html"})
    assert "@alpha@node.test" not in home.text

    opened = (await admin_api(client, admin, "POST", "/lockdown", json={"on": False})).json()
    for name in ("mode", "signed_fetches", "hide_collections", "reduced_pages", "allowed"):
        assert opened[name] == before[name], name
    assert opened["lockdown"] is False
    assert (await client.get("/users/alpha", headers={"Accept": AS2})).status_code == 200
    assert "Together" in (await client.get("/@alpha", headers={"Accept": "text/html"})).text
    assert (await post_signed(client, eve, SHARED, create_note(eve, "z"), now)).status_code == 202

    entries = (await admin_api(client, admin, "GET", "/audit")).json()["entries"]
    assert [e["action"] for e in entries] == [
        "lockdown.off",
        "lockdown.on",
        "federation.allow",
        "federation.hide_collections",
    ]
    assert {(e["who"]["kind"], e["who"]["name"]) for e in entries} == {
        ("admin-token", "ops laptop")
    }
    assert entries[1]["details"]["saved"] == {
        "mode": "open",
        "signed_fetches": False,
        "hide_collections": True,
        "reduced_pages": False,
    }
    assert entries[0]["from"]  # the client's address


async def test_blocks_and_the_allowlist_travel_as_mastodon_csv(
    client: httpx.AsyncClient, node: Runtime, admin: str
) -> None:
    csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    csv += "bad.example,silence,true,false,Spam,false\n"
    imported = await admin_api(
        client,
        admin,
        "POST",
        "/domain-blocks/import",
        content=csv.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200 and imported.json()["added"] == ["bad.example"]
    exported = await admin_api(client, admin, "GET", "/domain-blocks/export")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text == csv
    allows = await admin_api(
        client, admin, "POST", "/federation/import", content=b"#domain\nfriend.example\n"
    )
    assert allows.json()["allowed"] == ["friend.example"]
    assert (await admin_api(client, admin, "GET", "/federation/export")).text == (
        "#domain\nfriend.example\n"
    )
    removed = await admin_api(client, admin, "DELETE", "/domain-blocks/bad.example")
    assert removed.status_code == 204
    assert (await admin_api(client, admin, "GET", "/domain-blocks")).json()["blocks"] == []
