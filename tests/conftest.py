"""Shared fixtures: a database per test on SQLite and (when available) PostgreSQL, a node's
services and app, and an HTTP client bound to the app in process.

PostgreSQL comes from SN_TEST_POSTGRES_URL (an admin URL, e.g.
postgresql+asyncpg://sn:sn@127.0.0.1:5432/postgres). With CI=true it is mandatory.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url
from support.ci import IN_CI, require
from support.postgres import drop_database, pg_execute, postgres_admin_url
from support.router import HostRouter

from node.app import create_app
from node.clock import FrozenClock
from node.config import Settings
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime, make_runtime
from node.solidarity import organisations
from node.storage.db import Database
from node.storage.migrate import migrate

BASE_URL = "https://node.test"
START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# Hypothesis (the hostile-input suites): "ci" runs thousands of examples over both databases
# within about two minutes; "dev" a quick sample. HYPOTHESIS_PROFILE picks one by name.
HYPOTHESIS_SHARED = {
    "deadline": None,  # a request's time depends on the machine, not on the example
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("ci", max_examples=200, database=None, **HYPOTHESIS_SHARED)
hypothesis_settings.register_profile("dev", max_examples=25, **HYPOTHESIS_SHARED)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """A migrated template database, cloned for every test that runs on PostgreSQL."""
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    name = f"sn_template_{secrets.token_hex(4)}"

    async def build() -> None:
        await pg_execute(admin, f'CREATE DATABASE "{name}"')
        db = Database(make_url(admin).set(database=name).render_as_string(hide_password=False))
        await migrate(db)
        await db.close()

    asyncio.run(build())
    yield name
    asyncio.run(drop_database(admin, name))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_template: str | None
) -> AsyncIterator[str]:
    """A fresh, migrated database URL: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'node.db'}"
        db = Database(url)
        await migrate(db)
        await db.close()
        yield url
        return
    admin = postgres_admin_url()
    if admin is None or postgres_template is None:
        require("SN_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
        return
    name = f"sn_test_{secrets.token_hex(6)}"
    await pg_execute(admin, f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    await drop_database(admin, name)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        base_url=BASE_URL,
        database_url=db_url,
        allow_private_addresses=True,
    )


@pytest.fixture
def router() -> HostRouter:
    """Routes the node's outgoing requests to in-process apps; nothing reaches the network."""
    return HostRouter()


@pytest.fixture
async def node(
    settings: Settings, clock: FrozenClock, router: HostRouter
) -> AsyncIterator[Runtime]:
    services = make_runtime(settings, clock=clock, transport=router)
    await ensure_instance_actor(services.db, clock, services.urls)
    await services.start()
    yield services
    await services.close()


@pytest.fixture
async def client(node: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(node.settings, runtime=node)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@pytest.fixture
async def alpha(node: Runtime) -> str:
    """An organisation named alpha; returns its actor IRI."""
    actor = await organisations.create_organisation(
        node.db, node.clock, node.urls, "alpha", "Alpha Collective", "We organise.\n\nTogether."
    )
    return node.urls.actor(actor.username)
