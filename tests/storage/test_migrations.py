"""Migrations: head matches the tables, and an older database is upgraded in place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from node.errors import StorageError
from node.storage.db import Database
from node.storage.migrate import (
    current_revision,
    head_revision,
    include_name,
    include_object,
    migrate,
)
from node.storage.tables import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"include_name": include_name, "include_object": include_object}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_tables(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:
            assert await conn.run_sync(current_revision) == head_revision()
            assert await conn.run_sync(_diff) == []
    finally:
        await db.close()


async def test_older_database_is_upgraded_in_place(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate(db, "0001")
        now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO actors (username, kind, display_name, summary,"
                    " manually_approves_followers, discoverable, indexable, fields,"
                    " private_key_pem, public_key_pem, created_at, updated_at)"
                    " VALUES ('old', 'organization', 'Old Org', '', 0, 1, 1, '[]', 'k', 'p',"
                    " :t, :t)"
                ),
                {"t": now},
            )
        with pytest.raises(StorageError, match="run 'solidarity-node init'"):
            await db.check()
        await migrate(db)
        await db.check()
        async with db.engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            kept = (await conn.execute(text("SELECT display_name FROM actors"))).scalar_one()
        assert {"follows", "objects", "activities"} <= names
        assert kept == "Old Org"
    finally:
        await db.close()


async def test_unreachable_database_is_a_storage_error() -> None:
    db = Database("postgresql+asyncpg://nobody:secret@127.0.0.1:1/none")
    try:
        with pytest.raises(StorageError, match="unreachable") as caught:
            await db.check()
        assert "secret" not in str(caught.value)
    finally:
        await db.close()
