"""Empty PostgreSQL databases for tests that run the node's own commands against them (init,
restore, db copy): created from SN_TEST_POSTGRES_URL's server, dropped afterwards. A missing
server skips the test, or fails it with CI=true."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator

from sqlalchemy.engine import make_url

from tests.support.ci import require
from tests.support.postgres import drop_database, pg_execute, postgres_admin_url


def admin_url() -> str:
    admin = postgres_admin_url()
    if admin is None:
        require("SN_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
    assert admin is not None
    return admin


@contextlib.contextmanager
def empty_database(prefix: str) -> Iterator[str]:
    """The URL (postgresql+asyncpg://…) of a new empty database, dropped when the block ends."""
    admin = admin_url()
    name = f"{prefix}_{secrets.token_hex(4)}"
    asyncio.run(pg_execute(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(drop_database(admin, name))
