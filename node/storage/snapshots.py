"""Consistent copies of a node's database for backups, and putting them back.

SQLite: the online backup API copies the database in one step while the node runs, into a
single file (no WAL). PostgreSQL: pg_dump (custom format) in the snapshot of a REPEATABLE READ
transaction that also counts the rows, so the counts describe exactly what was dumped; restored
with pg_restore into an empty database, in one transaction. Connection details reach pg_dump and
pg_restore through PG* environment variables, never on a command line other users can read.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from node.errors import StorageError
from node.storage.db import Database, is_sqlite
from node.storage.revision import current_revision
from node.storage.tables import Base

SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
TOOL_OUTPUT_LINES = 5


@dataclass(frozen=True)
class Snapshot:
    """What a snapshot holds: the engine, the migration revision and rows per table."""

    dialect: str
    revision: str | None
    rows: dict[str, int]


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise StorageError("an in-memory SQLite database cannot be backed up")
    return Path(database)


async def take(url: str, target: Path) -> Snapshot:
    """Write a consistent copy of the database at `url` to `target`."""
    if is_sqlite(url):
        return await asyncio.to_thread(_sqlite_copy, sqlite_path(url), target)
    return await _pg_dump(url, target)


async def put_back(url: str, source: Path, dialect: str) -> None:
    """Restore a snapshot into the database at `url`, which must not exist (SQLite) or be
    empty (PostgreSQL)."""
    if dialect == "sqlite":
        if not is_sqlite(url):
            raise StorageError("a SQLite backup restores into SQLite; use 'db copy' afterwards")
        path = sqlite_path(url)
        if path.exists():
            raise StorageError(f"{path} exists; restore into an empty data directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(shutil.copyfile, source, path)
        return
    if is_sqlite(url):
        raise StorageError("a PostgreSQL backup restores into PostgreSQL: give --database-url")
    await _pg_restore(url, source)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.resolve()}"


def _sqlite_copy(source: Path, target: Path) -> Snapshot:
    if not source.is_file():
        raise StorageError(f"the database {source} does not exist")
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)  # all pages in one step: a consistent state
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return _sqlite_described(copy)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot copy {source}: {exc}") from exc
    finally:
        copy.close()
        origin.close()


def _sqlite_described(conn: sqlite3.Connection) -> Snapshot:
    found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    rows = {}
    for table in Base.metadata.sorted_tables:
        (rows[table.name],) = conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()
    return Snapshot("sqlite", found[0] if found else None, rows)


async def describe(url: str, tables: Collection[str] | None = None) -> Snapshot:
    """The revision and row counts of a database (of `tables`, by default this release's),
    in one read transaction."""
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return await _described(conn, tables)
    finally:
        await db.close()


async def _described(conn: AsyncConnection, tables: Collection[str] | None = None) -> Snapshot:
    revision = await conn.run_sync(_revision)
    names = tables if tables is not None else [t.name for t in Base.metadata.sorted_tables]
    rows = {}
    for name in names:
        count = await conn.scalar(text(f'SELECT count(*) FROM "{name}"'))
        rows[name] = int(count or 0)
    return Snapshot(conn.dialect.name, revision, rows)


def _revision(connection: Connection) -> str | None:
    return current_revision(connection)


async def _pg_dump(url: str, target: Path) -> Snapshot:
    db = Database(url)
    try:
        async with db.engine.connect() as plain:
            conn = await plain.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                snapshot_id = await conn.scalar(text("SELECT pg_export_snapshot()"))
                found = await _described(conn)
                command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
                await run_tool([*command, f"--snapshot={snapshot_id}", f"--file={target}"], url)
        return found
    finally:
        await db.close()


async def _pg_restore(url: str, source: Path) -> None:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            tables = await conn.scalar(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            )
    finally:
        await db.close()
    if tables:
        raise StorageError("the target database has tables; restore into an empty database")
    database = make_url(url).database or "postgres"
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    await run_tool([*command, "--single-transaction", f"--dbname={database}", str(source)], url)


def libpq_environment(url: str) -> dict[str, str]:
    """PG* variables for libpq tools that name the database at `url` (password included)."""
    parts = make_url(url)
    found = {
        "PGHOST": str(parts.query.get("host") or parts.host or "localhost"),
        "PGPORT": str(parts.port or 5432),
        "PGDATABASE": parts.database or "postgres",
    }
    if parts.username:
        found["PGUSER"] = parts.username
    if parts.password:
        found["PGPASSWORD"] = str(parts.password)
    ssl = str(parts.query.get("sslmode") or parts.query.get("ssl") or "")
    if ssl:
        found["PGSSLMODE"] = ssl if ssl in SSL_MODES else "require"
    return found


async def run_tool(command: list[str], url: str) -> None:
    """Run pg_dump or pg_restore against the database at `url`; StorageError on failure."""
    if shutil.which(command[0]) is None:
        raise StorageError(
            f"{command[0]} not found: install the PostgreSQL client tools "
            "(of the server's major version or newer)"
        )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    process = await asyncio.create_subprocess_exec(
        *command,
        env=clean | libpq_environment(url),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        lines = errors.decode(errors="replace").strip().splitlines()[-TOOL_OUTPUT_LINES:]
        raise StorageError(f"{command[0]} failed: {' | '.join(lines) or process.returncode}")
