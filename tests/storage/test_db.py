"""The database handle on SQLite and PostgreSQL: a transaction commits or rolls back as a
whole, `check()` tells an unreachable or unmigrated database apart (without secrets), SQLite
runs in WAL with foreign keys on, and inserts take their dialect's ON CONFLICT."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from node.errors import StorageError
from node.storage.db import Database, describe, dialect_insert, is_sqlite
from node.storage.revision import head_revision
from node.storage.tables import DomainBlockRow

START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def blocks(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(DomainBlockRow)) or 0)


async def test_a_transaction_commits_or_rolls_back_as_a_whole(db_url: str) -> None:
    db = Database(db_url)
    try:
        await db.check()
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                session.add(DomainBlockRow(domain="spam.example", reason="", created_at=START))
                await session.flush()
                raise RuntimeError("the use case failed")
        assert await blocks(db) == 0
        async with db.transaction() as session:
            session.add(DomainBlockRow(domain="spam.example", reason="", created_at=START))
        assert await blocks(db) == 1
    finally:
        await db.close()


async def test_inserts_take_their_dialects_on_conflict(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert db.dialect == ("sqlite" if is_sqlite(db_url) else "postgresql")
        table = DomainBlockRow.__table__
        async with db.transaction() as session:
            statement = dialect_insert(session, table).values(
                domain="spam.example", reason="", created_at=START
            )
            assert type(statement).__module__.split(".")[2] == db.dialect
            await session.execute(statement.on_conflict_do_nothing())
            await session.execute(statement.on_conflict_do_nothing())
        assert await blocks(db) == 1
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                await session.execute(statement)
    finally:
        await db.close()


async def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await db.close()


async def test_an_unmigrated_database_is_told_apart_from_an_unreachable_one(
    tmp_path: Path,
) -> None:
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(
            StorageError, match=f"at migration none, the code needs {head_revision()}"
        ):
            await empty.check()
    finally:
        await empty.close()
    unreachable = Database("postgresql+asyncpg://sn:hunter2@127.0.0.1:1/sn")
    try:
        with pytest.raises(StorageError, match="database unreachable") as refused:
            await unreachable.check()
    finally:
        await unreachable.close()
    assert "hunter2" not in str(refused.value)


def test_a_reason_is_one_line_without_sql() -> None:
    class Driver(Exception):
        pass

    class Wrapped(Exception):
        orig = Driver("duplicate key value\nDETAIL: Key (token)=(sn_secret) already exists.")

    assert describe(Wrapped("INSERT INTO tokens VALUES ('sn_secret')")) == (
        "Driver: duplicate key value"
    )
    assert describe(OSError("connection refused")) == "OSError: connection refused"
