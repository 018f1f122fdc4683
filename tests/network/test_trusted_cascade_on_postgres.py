"""The trusted cascade again with every node on its own PostgreSQL database: the exact path
with its tree, the journey with the origin down and the Delete that follows, the revision, and
the bounds (maxHops, the organisation's cap)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from node.clock import FrozenClock
from tests.network.test_trusted_cascade import (
    test_a_circle_call_reaches_exactly_the_trusted_path as exact_path,
)
from tests.network.test_trusted_cascade import test_a_revision_travels_the_same_path as revision
from tests.network.test_trusted_cascade import (
    test_max_hops_and_the_cap_bound_the_trusted_cascade as bounds,
)
from tests.network.test_trusted_cascade import (
    test_the_call_travels_with_its_origin_down_and_its_deletion_follows as origin_down,
)
from tests.support.ci import require
from tests.support.network import Member, Network
from tests.support.postgres import drop_database, pg_execute, postgres_admin_url

pytestmark = pytest.mark.postgres


class PostgresNetwork(Network):
    """A Network whose nodes each get a database cloned from the migrated template."""

    def __init__(self, folder: Path, clock: FrozenClock, admin: str, template: str) -> None:
        super().__init__(folder, clock)
        self.admin = admin
        self.template = template
        self.databases: list[str] = []

    async def add(self, name: str, database_url: str | None = None) -> Member:
        database = f"sn_circle_{name}_{secrets.token_hex(4)}"
        await pg_execute(self.admin, f'CREATE DATABASE "{database}" TEMPLATE "{self.template}"')
        self.databases.append(database)
        url = make_url(self.admin).set(database=database)
        return await super().add(name, url.render_as_string(hide_password=False))

    async def close(self) -> None:
        await super().close()
        for database in self.databases:
            await drop_database(self.admin, database)


@pytest.fixture
async def pg_network(
    tmp_path: Path, clock: FrozenClock, postgres_template: str | None
) -> AsyncIterator[Network]:
    admin = postgres_admin_url()
    if admin is None or postgres_template is None:
        require("SN_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
        return
    network = PostgresNetwork(tmp_path, clock, admin, postgres_template)
    yield network
    await network.close()


async def test_the_exact_path_and_its_tree(pg_network: Network) -> None:
    await exact_path(pg_network)


async def test_origin_down_then_delete(pg_network: Network) -> None:
    await origin_down(pg_network)


async def test_revision(pg_network: Network) -> None:
    await revision(pg_network)


async def test_bounds(pg_network: Network) -> None:
    await bounds(pg_network)
