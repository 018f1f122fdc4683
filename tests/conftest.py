"""Shared fixtures: a database per test on SQLite and (when available) PostgreSQL, each a copy
of a template migrated once per session; a node's services and app, an HTTP client bound to the
app in process, the organisation alpha, and a remote host (remote.test) to talk to.

PostgreSQL comes from SN_TEST_POSTGRES_URL (an admin URL, e.g.
postgresql+asyncpg://sn:sn@127.0.0.1:5432/postgres). With CI=true it is mandatory.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from node.app import create_app
from node.clock import FrozenClock
from node.config import Settings
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime, make_runtime
from node.solidarity import organisations
from node.storage import actors
from node.storage.actors import LocalActor
from node.storage.db import Database
from node.storage.migrate import migrate
from tests.support.actors import RemoteHost, hosted
from tests.support.ci import IN_CI, require
from tests.support.network import Network
from tests.support.postgres import drop_database, pg_execute, postgres_admin_url
from tests.support.router import HostRouter

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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for every test that runs on SQLite."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await migrate(db)
        await db.close()

    asyncio.run(build())
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_template: str | None,
) -> AsyncIterator[str]:
    """A fresh, migrated database URL: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "node.db"
        # the backup API copies a consistent database, whatever is left in the template's WAL
        with closing(sqlite3.connect(sqlite_template)) as source:
            with closing(sqlite3.connect(path)) as target:
                source.backup(target)
        yield f"sqlite+aiosqlite:///{path}"
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
def remote(router: HostRouter) -> RemoteHost:
    """A remote host at https://remote.test/ (through the router) to send from and fetch from."""
    return hosted(router, "remote.test")


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


@pytest.fixture
async def sender(node: Runtime, alpha: str) -> LocalActor:
    """alpha as the LocalActor whose key signs what it sends."""
    async with node.db.transaction() as session:
        return await actors.by_username(session, "alpha")


@pytest.fixture
async def network(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Network]:
    """Full nodes in one process (tests/network/ and the federation tests of several nodes)."""
    net = Network(tmp_path, clock)
    yield net
    await net.close()


@pytest.fixture(autouse=True)
def loggers_enabled() -> None:
    """Loggers a library's logging setup disabled during an earlier test (dictConfig and
    fileConfig disable the loggers that exist) log again: tests read the node's logs."""
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False


# Tests that start processes of their own (`serve`, workers, peers, nginx, Chromium) run one
# after another on one pytest-xdist worker, while the other workers take the in-process tests:
# two of them at once would compete for the cores their timings assume.
PROCESS_HEAVY = (
    "tests/network/",
    "tests/interop/",
    "tests/deploy/",
    "tests/web/test_browser.py",
    "tests/web/test_workspace_browser.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.nodeid.startswith(PROCESS_HEAVY):
            item.add_marker(pytest.mark.xdist_group("processes"))
