"""`check`'s findings, each able to fail: the base URL unreachable, another node answering
there, a proxy that changes Host, a key pair that does not match, a clock that is off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from node.activitypub.keys import generate_key_pair
from node.cli.checks import Finding, Level, skew
from node.cli.operations import all_checks
from node.config import Settings
from node.federation.runtime import Runtime
from node.storage.tables import ActorRow
from tests.support.processes import free_port
from tests.support.servers import serve

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def levels(findings: list[Finding], name: str) -> list[Level]:
    return [finding.level for finding in findings if finding.name == name]


async def test_offline_checks_pass_on_a_sound_node(node: Runtime, alpha: str) -> None:
    found = await all_checks(node.settings, offline=True, peers=())
    assert levels(found, "database") == [Level.OK]
    assert levels(found, "keys") == [Level.OK]
    assert "2 actors' keys" in next(f.detail for f in found if f.name == "keys")
    assert [f for f in found if f.level is Level.FAIL] == []


async def test_a_key_pair_that_does_not_match_fails(node: Runtime, alpha: str) -> None:
    async with node.db.transaction() as session:
        other = generate_key_pair().public_pem
        await session.execute(
            update(ActorRow).where(ActorRow.username == "alpha").values(public_key_pem=other)
        )
    found = await all_checks(node.settings, offline=True, peers=())
    failed = next(f for f in found if f.name == "keys")
    assert failed.level is Level.FAIL and "alpha" in failed.detail


async def test_an_unreachable_base_url_fails(node: Runtime) -> None:
    settings = replace(node.settings, base_url=f"http://127.0.0.1:{free_port()}")
    found = await all_checks(settings, offline=False, peers=())
    assert levels(found, "base URL") == [Level.FAIL]


def impostor(host: str | None, public_key_pem: str) -> Starlette:
    """A server at the base URL: reports `host` (or the real one) and an actor with a key."""

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "host": host or request.headers["host"]})

    async def actor(request: Request) -> JSONResponse:
        return JSONResponse({"id": str(request.url), "publicKey": {"publicKeyPem": public_key_pem}})

    return Starlette(routes=[Route("/healthz", healthz), Route("/actor", actor)])


@pytest.mark.parametrize(
    ("seen_host", "own_key", "expected"),
    [
        (None, True, Level.OK),
        ("node.internal", True, Level.FAIL),  # a proxy that rewrites Host
        (None, False, Level.FAIL),  # another node answers at the base URL
    ],
)
async def test_the_base_url_must_reach_this_node_with_its_host(
    node: Runtime, seen_host: str | None, own_key: bool, expected: Level
) -> None:
    from node.storage import actors

    async with node.db.transaction() as session:
        key = (await actors.instance_actor(session)).public_key_pem
    shown = key if own_key else generate_key_pair().public_pem
    async with serve(impostor(seen_host, shown)) as base:
        settings: Settings = replace(node.settings, base_url=base)
        found = await all_checks(settings, offline=False, peers=())
    assert levels(found, "base URL") == [expected]
    assert levels(found, "clock (base URL)") == [Level.OK]


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(seconds=0), Level.OK),
        (timedelta(seconds=1.5), Level.OK),  # within an HTTP Date's rounding
        (timedelta(seconds=5), Level.WARN),
        (timedelta(seconds=-40), Level.FAIL),
    ],
)
def test_clock_skew_levels(offset: timedelta, expected: Level) -> None:
    after = T0 + timedelta(milliseconds=20)
    found = skew("clock", T0, after, T0 + timedelta(milliseconds=10) + offset, timedelta(seconds=1))
    assert found.level is expected
