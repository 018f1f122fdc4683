"""The schema revision read without Alembic agrees with Alembic's own reading."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from node.errors import StorageError
from node.storage import migrate, revision
from node.storage.db import Database


def _alembic_current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def test_head_is_alembics_head() -> None:
    assert revision.head_revision() == migrate.head_revision()


async def test_current_revision_is_alembics(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:
            found = await conn.run_sync(revision.current_revision)
            assert found == await conn.run_sync(_alembic_current)
        assert found == revision.head_revision()
    finally:
        await db.close()


async def test_a_database_never_migrated_has_no_revision(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        async with db.engine.connect() as conn:
            assert await conn.run_sync(revision.current_revision) is None
            assert await conn.run_sync(_alembic_current) is None
    finally:
        await db.close()


def test_migrations_must_have_one_head(tmp_path: Path) -> None:
    (tmp_path / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text("revision = '0002'\ndown_revision = '0001'\n")
    assert revision.head_revision(tmp_path) == "0002"
    (tmp_path / "0003_c.py").write_text('revision = "0003"\ndown_revision = "0001"\n')
    with pytest.raises(StorageError, match=r"heads \['0002', '0003'\]"):
        revision.head_revision(tmp_path)
    (tmp_path / "0004_merge.py").write_text('revision = "0004"\ndown_revision = ("0002", "0003")\n')
    assert revision.head_revision(tmp_path) == "0004"
