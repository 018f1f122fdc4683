"""The in-process federation scenarios again, every node on its own PostgreSQL database: the
savepoints, unique claims and SKIP LOCKED paths of follows, publishing and the cascade run on
the engine that scale-out deployments use."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from node.clock import FrozenClock
from tests.network.test_cascade_in_process import (
    test_a_chain_amplifies_hop_by_hop_and_the_origin_sees_the_tree as chain,
)
from tests.network.test_cascade_in_process import (
    test_a_diamond_amplifies_once_and_a_cycle_never_returns as diamond,
)
from tests.network.test_follows_in_process import test_manual_approval as manual_approval
from tests.network.test_publishing_in_process import (
    test_replies_likes_announces_and_pledges_come_back as responses,
)
from tests.network.test_publishing_in_process import (
    test_revise_pin_and_withdraw as revise_pin_withdraw,
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
        database = f"sn_net_{name}_{secrets.token_hex(4)}"
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


async def test_follow_with_manual_approval(pg_network: Network) -> None:
    await manual_approval(pg_network)


async def test_revise_pin_and_withdraw(pg_network: Network) -> None:
    await revise_pin_withdraw(pg_network)


async def test_responses_and_pledges(pg_network: Network) -> None:
    await responses(pg_network)


async def test_cascade_chain(pg_network: Network) -> None:
    await chain(pg_network)


async def test_cascade_diamond_and_cycle(pg_network: Network) -> None:
    await diamond(pg_network)
