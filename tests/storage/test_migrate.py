"""Migrations: head matches the tables, and an older database is upgraded in place."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from node.errors import StorageError
from node.storage import objects
from node.storage.db import Database
from node.storage.migrate import (
    current_revision,
    head_revision,
    include_name,
    include_object,
    migrate,
)
from node.storage.tables import Base
from tests.support.ci import require
from tests.support.postgres import drop_database, pg_execute, postgres_admin_url


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables yet, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        require("SN_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
        return
    name = f"sn_empty_{secrets.token_hex(6)}"
    await pg_execute(admin, f'CREATE DATABASE "{name}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    await drop_database(admin, name)


async def test_calls_kept_before_0009_get_their_actions_in_a_column(empty_db_url: str) -> None:
    db = Database(empty_db_url)
    try:
        await migrate(db, "0008")
        call = {"id": "https://a.test/calls/1", "actions": ["Write", " ", "Call", "Write", 7]}
        note = {"id": "https://a.test/notes/1", "actions": ["not a call"]}
        then = datetime(2026, 1, 1)
        async with db.engine.begin() as conn:
            for iri, kind, document in ((call["id"], "call", call), (note["id"], None, note)):
                await conn.execute(
                    text(
                        "INSERT INTO objects (iri, actor_iri, type, kind, visibility, document,"
                        " published, body_text, is_pledge)"
                        " VALUES (:iri, 'https://a.test/u', 'Note', :kind, 'public', :doc,"
                        " :t, '', false)"
                    ),
                    {"iri": iri, "kind": kind, "doc": json.dumps(document), "t": then},
                )
        await migrate(db)
        async with db.transaction() as session:
            kept = await objects.get(session, call["id"])
            other = await objects.get(session, note["id"])
        assert kept is not None and kept.fields.actions == ("Write", "Call")
        assert other is not None and other.fields.actions == ()
    finally:
        await db.close()
