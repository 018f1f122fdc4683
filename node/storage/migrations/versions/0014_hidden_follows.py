"""An organisation may hide its followers and following lists (actors.hide_follows): the
collections then show their counts only.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(
            sa.Column("hide_follows", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("hide_follows")
