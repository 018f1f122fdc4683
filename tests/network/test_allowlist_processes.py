"""Who a node talks to, across three `solidarity-node serve` processes on loopback ports
(plain http; SQLite each, and again with the first on PostgreSQL), changed with the command
line while they run.

a allows only b: c's deliveries to a get 403, c's signed fetches and WebFinger lookups are
refused, c cannot follow a, and a delivers nothing to c, while b and a federate as before;
back to open, c and a federate again. Lockdown on and off round-trips every setting exactly.
A report forwarded from c lands in a's queue, and resolving it is audited. a subscribes to b's
signed alliance manifest and applies it. Every request is really signed; waiting is polling
with deadlines (the workers run in other processes).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub.keys import load_private_key
from node.activitypub.signatures import sign_request
from node.storage import actors, objects, reports
from node.storage.tables import DeliveryRow
from tests.support.ci import require
from tests.support.postgres import drop_database, pg_execute, postgres_admin_url
from tests.support.processes import HTTP_TIMEOUT, LoopbackNode, loopback_nodes, wait_until

TIMEOUT = 30.0
AS2 = "application/activity+json"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The database of the node whose policy changes: its SQLite file, or PostgreSQL."""
    if request.param == "sqlite":
        yield None
        return
    admin = postgres_admin_url()
    if admin is None:
        require("SN_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
        return
    name = f"sn_allowlist_{secrets.token_hex(4)}"
    asyncio.run(pg_execute(admin, f'CREATE DATABASE "{name}"'))
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    asyncio.run(drop_database(admin, name))


def start_all(nodes: list[tuple[LoopbackNode, str, str, str | None]]) -> None:
    def start(spec: tuple[LoopbackNode, str, str, str | None]) -> None:
        node, org, display_name, database_url = spec
        node.init(database_url)
        node.add_org(org, display_name)
        node.serve()

    with ThreadPoolExecutor(len(nodes)) as pool:
        list(pool.map(start, nodes))


def eventually(check: Callable[[], Any], what: str, *nodes: LoopbackNode) -> Any:
    return wait_until(check, what, [node.running for node in nodes], TIMEOUT)


def instance_key(node: LoopbackNode) -> str:
    async def work(session: AsyncSession) -> str:
        return (await actors.instance_actor(session)).private_key_pem

    return node.query(work)


def signed_get(signer: LoopbackNode, pem: str, url: str) -> httpx.Response:
    """A GET signed by `signer`'s instance actor, as its own fetches are."""
    headers = {"Accept": AS2}
    key_id = f"{signer.base_url}/actor#main-key"
    now = datetime.now(UTC)
    signed = sign_request("GET", url, headers, None, key_id, load_private_key(pem), now)
    return httpx.get(url, headers=headers | signed, timeout=HTTP_TIMEOUT)


def follow(node: LoopbackNode, org: str, target: str) -> httpx.Response:
    return node.api("POST", "/follows", org, json={"target": target})


def follow_states(node: LoopbackNode, org: str) -> dict[str, str]:
    found = node.api("GET", "/follows", org).json()["follows"]
    return {f["target"]: f["state"] for f in found}


def publish(node: LoopbackNode, org: str, title: str) -> str:
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {"title": title, "content": f"{title}: come.", "deadline": deadline}
    made = node.api("POST", "/calls", org, json=body)
    assert made.status_code == 201, made.text
    iri: str = made.json()["id"]
    return iri


def has_object(node: LoopbackNode, iri: str) -> bool:
    async def work(session: AsyncSession) -> bool:
        return await objects.get(session, iri) is not None

    return node.query(work)


def deliveries_of(node: LoopbackNode, host: str) -> list[tuple[str, str, int | None]]:
    """(activity type, state, last status) of the node's deliveries to `host`."""

    async def work(session: AsyncSession) -> list[tuple[str, str, int | None]]:
        rows = await session.execute(
            select(DeliveryRow.body, DeliveryRow.state, DeliveryRow.last_status)
            .where(DeliveryRow.host == host)
            .order_by(DeliveryRow.id)
        )
        return [(json.loads(body)["type"], state, status) for body, state, status in rows]

    return node.query(work)


def delta_followers(node: LoopbackNode) -> list[str]:
    found = node.api("GET", "/followers", "alpha").json()["followers"]
    return [f["actor"] for f in found if f["actor"].endswith("/delta")]


def settings_of(node: LoopbackNode) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(node.cli("federation", "list", "--json"))
    return found


def test_allowlist_lockdown_and_reports_across_three_processes(
    tmp_path: Path, database: str | None
) -> None:
    with loopback_nodes(tmp_path) as new:
        a, b, c = new("a"), new("b"), new("c")
        start_all(
            [
                (a, "alpha", "Alpha", database),
                (b, "beta", "Beta", None),
                (c, "gamma", "Gamma", None),
            ]
        )
        alpha, beta, gamma = a.actor("alpha"), b.actor("beta"), c.actor("gamma")
        for node, org, target in (
            (b, "beta", a.handle("alpha")),
            (c, "gamma", a.handle("alpha")),
            (a, "alpha", b.handle("beta")),
            (a, "alpha", c.handle("gamma")),
        ):
            assert follow(node, org, target).status_code == 202
        eventually(
            lambda: (
                set(follow_states(a, "alpha").values()) == {"accepted"}
                and follow_states(c, "gamma") == {alpha: "accepted"}
                and follow_states(b, "beta") == {alpha: "accepted"}
            ),
            "the four follows",
            a,
            b,
            c,
        )
        c_key = instance_key(c)
        assert signed_get(c, c_key, alpha).status_code == 200

        # allowlist mode on a, changed from the command line while a serves
        a.cli("federation", "allow", b.host)
        a.cli("federation", "mode", "allowlist")
        changed = time.monotonic()
        eventually(lambda: signed_get(c, c_key, alpha).status_code == 403, "c's fetch refused", a)
        took = time.monotonic() - changed
        print(f"\nallowlist applied by the running serve {took:.2f} s after the CLI returned")
        refused = signed_get(c, c_key, alpha)
        assert f"{c.host} is not on this node's allowlist" in refused.json()["error"]
        webfinger = f"{a.base_url}/.well-known/webfinger?resource=acct:alpha@{a.host}"
        assert signed_get(c, c_key, webfinger).status_code == 403
        assert signed_get(b, instance_key(b), alpha).status_code == 200

        # c can deliver nothing to a (403), nor follow it; b delivers as before
        from_c = publish(c, "gamma", "From gamma while refused")
        from_b = publish(b, "beta", "From beta, an ally")
        eventually(lambda: has_object(a, from_b), "beta's call at a", a, b)
        eventually(
            lambda: ("Create", "failed", 403) in deliveries_of(c, a.host),
            "c's delivery to a refused with 403",
            a,
            c,
        )
        assert not has_object(a, from_c)
        c.cli("org", "create", "delta")
        c.tokens["delta"] = c.cli("token", "create", "delta").strip().splitlines()[-1]
        attempt = follow(c, "delta", a.handle("alpha"))
        assert attempt.status_code >= 400, attempt.text  # WebFinger refused c's lookup
        # by URL, with alpha's actor cached at c: the Follow goes out, and a refuses it
        assert follow(c, "delta", alpha).status_code == 202
        eventually(
            lambda: deliveries_of(c, a.host).count(("Follow", "failed", 403)) == 1,
            "delta's Follow refused with 403",
            a,
            c,
        )
        assert follow_states(c, "delta") == {alpha: "pending"}
        assert delta_followers(a) == []

        # a sends nothing to c
        sent_before = len(deliveries_of(a, c.host))
        from_a = publish(a, "alpha", "From alpha while closed")
        eventually(lambda: has_object(b, from_a), "alpha's call at b", a, b)
        assert len(deliveries_of(a, c.host)) == sent_before
        assert not has_object(c, from_a)

        # back to open: c and a federate again
        a.cli("federation", "mode", "open")
        eventually(lambda: signed_get(c, c_key, alpha).status_code == 200, "c's fetch", a)
        again = publish(c, "gamma", "From gamma, open again")
        eventually(lambda: has_object(a, again), "gamma's new call at a", a, c)
        reopened = publish(a, "alpha", "From alpha, open again")
        eventually(lambda: has_object(c, reopened), "alpha's new call at c", a, c)
        assert follow(c, "delta", a.handle("alpha")).status_code == 202
        eventually(lambda: follow_states(c, "delta") == {alpha: "accepted"}, "delta's follow", a, c)

        # lockdown on and off round-trips every setting exactly
        a.cli("federation", "set", "hide-collections", "on")
        before = settings_of(a)
        a.cli("lockdown", "on")
        locked = settings_of(a)
        assert (locked["mode"], locked["lockdown"]) == ("allowlist", True)
        assert locked["signed_fetches"] and locked["hide_collections"] and locked["reduced_pages"]
        eventually(
            lambda: a.get("/users/alpha", headers={"Accept": AS2}).status_code == 401,
            "a to answer signed fetches only",
            a,
        )
        assert a.get("/actor", headers={"Accept": AS2}).status_code == 200
        assert signed_get(b, instance_key(b), alpha).status_code == 200
        a.cli("lockdown", "off")
        assert settings_of(a) == before
        eventually(
            lambda: a.get("/users/alpha", headers={"Accept": AS2}).status_code == 200,
            "a to answer unsigned fetches again",
            a,
        )

        # gamma reports alpha and forwards it: a Flag signed by c's instance actor
        body = {"actor": alpha, "comment": "Not what it seems", "forward": True}
        assert c.api("POST", "/reports", "gamma", json=body).status_code == 201

        def received() -> list[Any]:
            async def work(session: AsyncSession) -> list[Any]:
                return await reports.listed(session, state="open")

            return a.query(work)

        [report] = eventually(received, "the Flag in a's queue", a, c)
        assert (report.reporter_iri, report.target_iri) == (f"{c.base_url}/actor", alpha)
        assert report.comment == "Not what it seems"
        a.cli("report", "resolve", str(report.id), "--action", "dismiss", "--note", "checked")
        audit = [json.loads(line) for line in a.cli("audit", "list", "--json").splitlines()]
        assert audit[0]["action"] == "report.resolve" and audit[0]["who"].startswith("cli:")
        assert [e["action"] for e in audit[1:]] == [
            "lockdown.off",
            "lockdown.on",
            "federation.hide_collections",
            "federation.mode",
            "federation.mode",
            "federation.allow",
            "token.create",  # alpha's, as the node was set up
            "org.create",
        ]

        # a follows b's allowlist: b's manifest, signed (eddsa-jcs-2022) by the assertion key
        # b's instance actor publishes, fetched, verified and applied by a's command line
        b.cli("federation", "allow", "friend.example")
        manifest = f"{b.base_url}/.well-known/solidarity-alliance"
        a.cli("federation", "subscribe", manifest)
        followed = settings_of(a)
        assert followed["alliances"] == [[manifest, "applied", 1, None]]
        assert "friend.example" in followed["allowed"]
        assert gamma and beta  # the actors named above
