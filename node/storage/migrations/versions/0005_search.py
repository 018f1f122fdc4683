"""Full-text search over objects (title, summary_text, body_text), one index per engine.

SQLite: an FTS5 external-content table `objects_fts` (rowid = objects.id) kept in step by three
triggers; unicode61 with remove_diacritics 2, so 'solidarite' finds 'solidarité'. A later batch
migration that rebuilds `objects` on SQLite drops these triggers with the old table: it must
create them again (the FTS rows survive, since ids are copied).

PostgreSQL: a stored generated tsvector `search_vector` (title A, summary B, body C) with a GIN
index. It uses the 'simple' configuration: content arrives in many languages and the row's
language tag is often absent or wrong, so a language's stemmer and stop words (say 'english')
would mangle Portuguese or Swahili words and drop others; 'simple' only lowercases, so whole
words and prefixes match in every language, without stemming and without folding accents.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE objects_fts USING fts5("
    "title, summary_text, body_text, content='objects', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER objects_fts_insert AFTER INSERT ON objects BEGIN "
    "INSERT INTO objects_fts(rowid, title, summary_text, body_text) "
    "VALUES (new.id, new.title, new.summary_text, new.body_text); END",
    "CREATE TRIGGER objects_fts_delete AFTER DELETE ON objects BEGIN "
    "INSERT INTO objects_fts(objects_fts, rowid, title, summary_text, body_text) "
    "VALUES ('delete', old.id, old.title, old.summary_text, old.body_text); END",
    "CREATE TRIGGER objects_fts_update AFTER UPDATE OF title, summary_text, body_text "
    "ON objects BEGIN "
    "INSERT INTO objects_fts(objects_fts, rowid, title, summary_text, body_text) "
    "VALUES ('delete', old.id, old.title, old.summary_text, old.body_text); "
    "INSERT INTO objects_fts(rowid, title, summary_text, body_text) "
    "VALUES (new.id, new.title, new.summary_text, new.body_text); END",
    # the backfill: index every row already in objects
    "INSERT INTO objects_fts(objects_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS objects_fts_update",
    "DROP TRIGGER IF EXISTS objects_fts_delete",
    "DROP TRIGGER IF EXISTS objects_fts_insert",
    "DROP TABLE IF EXISTS objects_fts",
)
# adding a stored generated column rewrites the table, which fills it for existing rows
POSTGRES_UP = (
    "ALTER TABLE objects ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(summary_text, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body_text, '')), 'C')) STORED",
    "CREATE INDEX ix_objects_search_vector ON objects USING gin (search_vector)",
)
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS ix_objects_search_vector",
    "ALTER TABLE objects DROP COLUMN IF EXISTS search_vector",
)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UP if dialect == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN)
