"""Bounded storage: a reaction no longer keeps its activity's document (the row holds what
the node needs of it), and each object records when this node stored it, so received objects
nobody refers to can be pruned after the retention time (backfilled with `published`).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("reactions") as batch:
        batch.drop_column("document")
    with op.batch_alter_table("objects") as batch:
        batch.add_column(sa.Column("stored_at", TZ, nullable=True))
        batch.create_index("ix_objects_stored_at", ["stored_at"])
    objects = sa.table("objects", sa.column("published", TZ), sa.column("stored_at", TZ))
    op.get_bind().execute(objects.update().values(stored_at=objects.c.published))


def downgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.drop_index("ix_objects_stored_at")
        batch.drop_column("stored_at")
    with op.batch_alter_table("reactions") as batch:
        batch.add_column(sa.Column("document", sa.JSON, nullable=False, server_default="{}"))
