"""The schema revision without Alembic: the head read from the migration files, the database's
from its alembic_version table, as Alembic reads both.

Starting a node only compares the two; Alembic (with Mako) is imported only to migrate
(node.storage.migrate), which keeps it out of a serving process's memory.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import Connection, inspect, text

from node.errors import StorageError

VERSIONS = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"
# module-level `revision = "0007"` and `down_revision = "0006"` (or None, or a tuple for a merge)
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def head_revision(versions: Path = VERSIONS) -> str:
    """The one revision no migration names as its down_revision."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(str(ast.literal_eval(found["revision"])))
        down = ast.literal_eval(found.get("down_revision", "None"))
        parents.update([down] if isinstance(down, str) else down or ())
    heads = revisions - parents
    if len(heads) != 1:
        raise StorageError(f"the migrations in {versions.name} have heads {sorted(heads)}, not one")
    return heads.pop()


def current_revision(connection: Connection) -> str | None:
    """The database's revision; None when it was never migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return ", ".join(sorted(rows)) or None
