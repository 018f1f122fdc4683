"""The database handle: one async engine and session factory per process.

SQLite runs in WAL mode with foreign keys on and a busy timeout, through one connection per
process (transactions take turns; none may open another inside it); PostgreSQL through asyncpg.
Opening a Database does no I/O; `check()` proves the database answers and is migrated.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from node.errors import StorageError
from node.storage.revision import current_revision, head_revision

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


class JsonText(str):
    """A JSON document already serialised, stored as it is (an inbox body as it came, when
    the node reads it unchanged: serialising the parsed copy again would cost its size)."""


def serialize_json(value: object) -> str:
    """The engines' JSON serialiser: JsonText as it is, anything else by json.dumps."""
    return value if isinstance(value, JsonText) else json.dumps(value)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str) -> AsyncEngine:
    if is_sqlite(url):
        # One connection per process: SQLite takes one writer at a time anyway, and a second
        # connection waiting for the write lock sleeps in SQLite's busy handler (backing off up
        # to 100 ms) where waiting for the pool is woken as soon as the first one is done.
        engine = create_async_engine(
            url,
            connect_args={"timeout": 10},
            pool_size=1,
            max_overflow=0,
            json_serializer=serialize_json,
        )
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        return engine
    return create_async_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, json_serializer=serialize_json
    )


def make_private(url: str) -> None:
    """A SQLite database file (and its WAL and shared-memory files, which SQLite creates with
    the database's mode) readable by its owner alone (0600): it holds every organisation's
    private key. Created empty when missing; PostgreSQL URLs are left alone."""
    if not is_sqlite(url):
        return
    path = make_url(url).database
    if not path or path == ":memory:":
        return
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.chmod(path + suffix, 0o600)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def check(self) -> None:
        """Raise StorageError unless the database answers and is migrated to head."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                revision = await conn.run_sync(current_revision)
        except (SQLAlchemyError, OSError) as exc:
            raise StorageError(f"database unreachable: {describe(exc)}") from exc
        head = head_revision()
        if revision != head:
            raise StorageError(
                f"database is at migration {revision or 'none'}, the code needs "
                f"{head}; run 'solidarity-node migrate'"
            )

    async def close(self) -> None:
        await self.engine.dispose()


def dialect_insert(bind: AsyncSession | AsyncConnection, table: Any) -> Any:
    """An INSERT of the session's (or connection's) dialect, for its ON CONFLICT clauses. Only
    that dialect's module is imported: a SQLite node never loads PostgreSQL's, nor the reverse."""
    dialect = bind.dialect if isinstance(bind, AsyncConnection) else bind.get_bind().dialect
    if dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed; never if it rolls back
    (for what must count only what was kept, such as metrics)."""
    event.listen(session.sync_session, "after_commit", lambda _: callback(), once=True)


def describe(exc: BaseException) -> str:
    """A one-line reason, without SQL or parameters (they may hold secrets)."""
    orig = getattr(exc, "orig", None) or exc.__cause__ or exc
    return f"{type(orig).__name__}: {str(orig).splitlines()[0] if str(orig) else ''}".strip()
