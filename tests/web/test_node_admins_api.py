"""Node admins over the admin API: added by email (normalised, once), listed, removed, each
change in the audit log with the token's label; organisation tokens are refused, bad input
is a 400 and an unknown admin a 404."""

from __future__ import annotations

import httpx

from node.federation.runtime import Runtime
from node.solidarity import node_admins, organisations
from tests.support.admin import admin_api, admin_token


async def test_admins_are_added_listed_and_removed_with_the_audit_log(
    client: httpx.AsyncClient, node: Runtime
) -> None:
    admin = await admin_token(node, "ops laptop")
    added = await admin_api(client, admin, "POST", "/admins", json={"email": " Ana@Node.Example "})
    assert added.status_code == 201, added.text
    assert added.json()["email"] == "ana@node.example"
    assert added.json()["added_by"] == "admin-token:ops laptop"
    again = await admin_api(client, admin, "POST", "/admins", json={"email": "ana@node.example"})
    assert again.status_code == 201 and again.json()["since"] == added.json()["since"]
    await admin_api(client, admin, "POST", "/admins", json={"email": "bo@node.example"})

    listed = (await admin_api(client, admin, "GET", "/admins")).json()["admins"]
    assert [a["email"] for a in listed] == ["ana@node.example", "bo@node.example"]
    assert await node_admins.is_admin(node, "Ana@node.example")

    gone = await admin_api(client, admin, "DELETE", "/admins/ana@node.example")
    assert gone.status_code == 204
    assert not await node_admins.is_admin(node, "ana@node.example")
    missing = await admin_api(client, admin, "DELETE", "/admins/ana@node.example")
    assert missing.status_code == 404

    entries = (await admin_api(client, admin, "GET", "/audit?action=admin")).json()["entries"]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("admin.remove", "ana@node.example"),
        ("admin.add", "bo@node.example"),
        ("admin.add", "ana@node.example"),
    ]
    assert {e["who"]["name"] for e in entries} == {"ops laptop"}


async def test_organisations_cannot_name_admins_and_bad_emails_are_refused(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    admin = await admin_token(node)
    org_token = await organisations.create_token(node.db, node.clock, "alpha")
    refused = await admin_api(client, org_token, "POST", "/admins", json={"email": "x@y.example"})
    assert refused.status_code == 403
    assert (await admin_api(client, org_token, "GET", "/admins")).status_code == 403
    for body in ({"email": "not an email"}, {"email": "no-at.example"}, {"email": 7}, {}):
        bad = await admin_api(client, admin, "POST", "/admins", json=body)
        assert bad.status_code == 400, body
        assert "error" in bad.json()
    assert (await admin_api(client, admin, "GET", "/admins")).json() == {"admins": []}
