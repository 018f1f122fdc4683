"""An organisation's own hop cap: it passes calls on no further than this (default 6).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("max_hops", sa.Integer, nullable=False, server_default="6"))


def downgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("max_hops")
