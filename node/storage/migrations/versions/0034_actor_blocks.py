"""Organisations' blocks of remote actors.

Revision ID: 0034
Revises: 0033
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def upgrade() -> None:
    op.create_table(
        "actor_blocks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "actor_id", sa.Integer, sa.ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("blocked_iri", IRI, nullable=False),
        sa.Column("block_iri", IRI, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("actor_id", "blocked_iri"),
    )
    op.create_index("ix_actor_blocks_blocked_iri", "actor_blocks", ["blocked_iri"])


def downgrade() -> None:
    op.drop_table("actor_blocks")
