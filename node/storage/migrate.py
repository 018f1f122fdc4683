"""Alembic, driven from inside the running event loop: migrate to head, read revisions.

`init` calls migrate(); a database made by an older release is upgraded in place.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from node.errors import StorageError
from node.storage.db import Database, describe

MIGRATIONS = Path(__file__).parent / "migrations"

# Full-text search (migration 0005) lives outside the tables on purpose: it is one engine's
# feature. On SQLite, the FTS5 table objects_fts and its shadow tables; on PostgreSQL, the
# generated objects.search_vector column and its GIN index. Schema comparison (autogenerate,
# tests) leaves exactly those out.
FULL_TEXT_TABLES = "objects_fts"
FULL_TEXT_OBJECTS = frozenset({("column", "search_vector"), ("index", "ix_objects_search_vector")})


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(FULL_TEXT_TABLES))


def include_object(
    _object: object, name: str | None, type_: str, reflected: bool, _compare_to: object
) -> bool:
    return not (reflected and (type_, name) in FULL_TEXT_OBJECTS)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, target: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, target)


async def migrate(db: Database, target: str = "head") -> None:
    """Upgrade the database to `target` (default: the newest migration)."""
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_upgrade, target)
    except (SQLAlchemyError, OSError) as exc:
        raise StorageError(f"cannot migrate the database: {describe(exc)}") from exc
