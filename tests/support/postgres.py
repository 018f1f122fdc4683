"""PostgreSQL for tests and benchmarks: the admin URL from SN_TEST_POSTGRES_URL, statements run
as admin, and dropping their databases reliably. Imports nothing of the node."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy.engine import make_url


def postgres_admin_url() -> str | None:
    return os.environ.get("SN_TEST_POSTGRES_URL") or None


async def pg_execute(admin_url: str, statement: str) -> None:
    import asyncpg

    url = make_url(admin_url)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def drop_database(admin: str, name: str) -> None:
    """Drop a test database; a server process of another role (autovacuum) may hold it a moment."""
    import asyncpg

    for _ in range(20):
        try:
            await pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.InsufficientPrivilegeError:
            await asyncio.sleep(0.25)
    await pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}"')
