"""Organisations live at /users/NAME; those that exist now keep the /orgs/NAME ids they have
published (an actor's id never changes), marked in a column of their own.

Revision ID: 0020
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(
            sa.Column("actor_path", sa.String(8), nullable=False, server_default="users")
        )
    actors = sa.table("actors", sa.column("kind", sa.String), sa.column("actor_path", sa.String))
    op.get_bind().execute(
        actors.update().where(actors.c.kind == "organization").values(actor_path="orgs")
    )


def downgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("actor_path")
