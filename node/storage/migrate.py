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
