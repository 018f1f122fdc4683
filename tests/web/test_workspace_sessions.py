"""Members in the workspace, on SQLite and PostgreSQL: the one-time link sets a password and
signs in; the session cookie's attributes; CSRF tokens on forms; lock-out per account and per
address; signing out (here and everywhere) ends sessions; another organisation's member gets
403 on pages and forms."""

from __future__ import annotations

import httpx
import pytest

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.solidarity import membership, organisations
from tests.support.workspace import HTML, PASSWORD, csrf_of, post_form, signed_in_member


@pytest.fixture
async def beta(node: Runtime) -> str:
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta", "Beta")
    return "beta"


async def test_the_link_sets_a_password_and_opens_a_session(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    link = await signed_in_member(client, node, "alpha", "ana@example.org")
    cookie = next(c for c in client.cookies.jar if c.name == "sn_session")
    assert cookie.secure  # the node's base URL is https
    assert cookie.has_nonstandard_attr("HttpOnly")
    dashboard = await client.get("/workspace/alpha", headers=HTML)
    assert dashboard.status_code == 200
    assert "Alpha Collective" in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"
    again = await client.get(link, headers=HTML)
    assert again.status_code == 404  # the link works once
    listed = await membership.list_members(node, "alpha")
    assert [(m.email, m.role) for m in listed] == [("ana@example.org", "owner")]
    assert listed[0].password_hash and listed[0].password_hash.startswith("$argon2")


async def test_set_cookie_attributes(client: httpx.AsyncClient, node: Runtime, alpha: str) -> None:
    made = await membership.add(node, "alpha", "bo@example.org", "editor")
    path = made.link.removeprefix(node.urls.base)
    page = await client.get(path, headers=HTML)
    done = await client.post(
        path, data={"csrf": csrf_of(page), "password": PASSWORD, "confirm": PASSWORD}
    )
    header = next(v for k, v in done.headers.multi_items() if k == "set-cookie")
    assert header.startswith("sn_session=")
    for attribute in ("HttpOnly", "SameSite=lax", "Secure", "Path=/"):
        assert attribute.lower() in header.lower()


async def test_a_form_without_its_csrf_token_is_refused(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    body = {"title": "No token", "content": "x", "deadline": "2031-01-01T09:00"}
    refused = await client.post("/workspace/alpha/compose?kind=call", data=body, headers=HTML)
    assert refused.status_code == 403
    forged = await client.post(
        "/workspace/alpha/compose?kind=call", data=body | {"csrf": "0" * 64}, headers=HTML
    )
    assert forged.status_code == 403
    elsewhere = await post_form(
        client, "/workspace/alpha/compose?kind=call", body | {"action": "publish"}
    )
    assert elsewhere.status_code == 303  # the same form with its token goes through
    other_site = await client.post(
        "/workspace/alpha/compose?kind=call",
        data=body | {"csrf": csrf_of(await client.get("/workspace/alpha", headers=HTML))},
        headers=HTML | {"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403


async def test_signin_locks_an_account_after_repeated_failures(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    client.cookies.delete("sn_session")
    for _ in range(membership.MAX_FAILURES - 1):
        wrong = await post_form(
            client, "/workspace/signin", {"email": "ana@example.org", "password": "nope nope nope"}
        )
        assert wrong.status_code == 401
        assert "Wrong email or password" in wrong.text
    locked = await post_form(
        client, "/workspace/signin", {"email": "ana@example.org", "password": "still wrong!"}
    )
    assert locked.status_code == 429
    right = await post_form(
        client, "/workspace/signin", {"email": "ana@example.org", "password": PASSWORD}
    )
    assert right.status_code == 429  # even the right password waits out the lock
    assert isinstance(node.clock, FrozenClock)
    node.clock.advance(membership.LOCK_FOR)
    after = await post_form(
        client, "/workspace/signin", {"email": "ana@example.org", "password": PASSWORD}
    )
    assert after.status_code == 303 and after.headers["location"] == "/workspace/alpha"


async def test_an_address_trying_many_accounts_is_throttled(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    for i in range(membership.ADDRESS_LIMIT):
        wrong = await post_form(
            client, "/workspace/signin", {"email": f"x{i}@example.org", "password": "whatever!!"}
        )
        assert wrong.status_code == 401
    throttled = await post_form(
        client, "/workspace/signin", {"email": "y@example.org", "password": "whatever!!"}
    )
    assert throttled.status_code == 429


async def test_signing_out_ends_the_session(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    cookie = client.cookies.get("sn_session")
    assert cookie
    out = await post_form(client, "/workspace/signout", {}, from_page="/workspace/alpha")
    assert out.status_code == 303 and out.headers["location"].startswith("/workspace/signin")
    client.cookies.set("sn_session", cookie, domain="node.test")
    replayed = await client.get("/workspace/alpha", headers=HTML)
    assert replayed.status_code == 303
    assert replayed.headers["location"].startswith("/workspace/signin")


async def test_signing_out_everywhere_ends_every_session(
    node: Runtime, alpha: str, client: httpx.AsyncClient
) -> None:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    first = client.cookies.get("sn_session")
    client.cookies.delete("sn_session")
    signin = await post_form(
        client, "/workspace/signin", {"email": "ana@example.org", "password": PASSWORD}
    )
    assert signin.status_code == 303
    out = await post_form(
        client, "/workspace/signout/everywhere", {}, from_page="/workspace/alpha/notifications"
    )
    assert out.status_code == 303
    client.cookies.set("sn_session", str(first), domain="node.test")
    assert (await client.get("/workspace/alpha", headers=HTML)).status_code == 303


async def test_another_organisations_member_gets_403(
    client: httpx.AsyncClient, node: Runtime, alpha: str, beta: str
) -> None:
    await signed_in_member(client, node, "beta", "bea@example.org")
    for path in ("/workspace/alpha", "/workspace/alpha/compose", "/workspace/alpha/allies"):
        assert (await client.get(path, headers=HTML)).status_code == 403, path
    token = csrf_of(await client.get("/workspace/beta", headers=HTML))
    posted = await client.post(
        "/workspace/alpha/compose?kind=call",
        data={"csrf": token, "title": "x", "content": "y", "action": "publish"},
        headers=HTML,
    )
    assert posted.status_code == 403
    assert (await client.get("/workspace/beta", headers=HTML)).status_code == 200


async def test_editors_publish_but_do_not_manage(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    await signed_in_member(client, node, "alpha", "ed@example.org", role="editor")
    assert (await client.get("/workspace/alpha/compose", headers=HTML)).status_code == 200
    for path in ("/workspace/alpha/members", "/workspace/alpha/tokens"):
        assert (await client.get(path, headers=HTML)).status_code == 403, path
    refused = await post_form(
        client, "/workspace/alpha/allies", {"actor": "x@y.test"}, from_page="/workspace/alpha"
    )
    assert refused.status_code == 403


async def test_strangers_are_sent_to_sign_in(client: httpx.AsyncClient, alpha: str) -> None:
    answer = await client.get("/workspace/alpha/compose?kind=call", headers=HTML)
    assert answer.status_code == 303
    assert (
        answer.headers["location"]
        == "/workspace/signin?next=/workspace/alpha/compose%3Fkind%3Dcall"
    )
