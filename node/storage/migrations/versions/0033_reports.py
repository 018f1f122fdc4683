"""The moderation queue: reports received as Flag, or made by an organisation here.

Revision ID: 0033
Revises: 0032
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("flag_iri", IRI, nullable=True, unique=True),
        sa.Column("reporter_iri", IRI, nullable=False),
        sa.Column(
            "reporter_actor_id",
            sa.Integer,
            sa.ForeignKey("actors.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("target_iri", IRI, nullable=False),
        sa.Column("object_iris", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("forwarded_iri", IRI, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("resolved_by", sa.String(320), nullable=True),
        sa.Column("resolved_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_reports_state_id", "reports", ["state", "id"])
    op.create_index("ix_reports_target_iri", "reports", ["target_iri"])


def downgrade() -> None:
    op.drop_table("reports")
