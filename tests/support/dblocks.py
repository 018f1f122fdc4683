"""Holding a database's write lock from another connection, to show who waits for a commit."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.engine import make_url

from node.storage.db import is_sqlite


@asynccontextmanager
async def writes_held(url: str) -> AsyncIterator[None]:
    """Another connection holds the write lock on inbox_items until the block ends."""
    if is_sqlite(url):
        other = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    import asyncpg

    parts = make_url(url)
    conn = await asyncpg.connect(
        host=parts.host,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        database=parts.database,
    )
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE inbox_items IN SHARE ROW EXCLUSIVE MODE")
            yield
    finally:
        await conn.close()


async def until(condition: Callable[[], object], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}")
