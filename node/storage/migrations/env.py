"""Alembic environment: always runs on a connection handed over by node.storage.migrate."""

from __future__ import annotations

from alembic import context

from node.storage.migrate import include_name, include_object
from node.storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through node.storage.migrate.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_name=include_name,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
