"""The cascade: allies with amplification policies, one amplification row per (organisation,
call), and the Creates and Announces of calls this node has seen.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def actor_fk() -> sa.Column[int]:
    return sa.Column(
        "actor_id", sa.Integer, sa.ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "allies",
        sa.Column("id", sa.Integer, primary_key=True),
        actor_fk(),
        sa.Column("ally_iri", IRI, nullable=False),
        sa.Column("amplify", sa.String(16), nullable=False),
        sa.Column("regions", sa.JSON, nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("actor_id", "ally_iri"),
    )
    op.create_index("ix_allies_ally_iri", "allies", ["ally_iri"])
    op.create_table(
        "amplifications",
        sa.Column("id", sa.Integer, primary_key=True),
        actor_fk(),
        sa.Column("object_iri", IRI, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("through_iri", IRI, nullable=True),
        sa.Column("via_iri", IRI, nullable=True),
        sa.Column("hop", sa.Integer, nullable=False),
        sa.Column("announce_iri", IRI, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.UniqueConstraint("actor_id", "object_iri"),
    )
    op.create_index("ix_amplifications_object_iri", "amplifications", ["object_iri"])
    op.create_table(
        "cascade_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("activity_iri", IRI, nullable=False, unique=True),
        sa.Column("object_iri", IRI, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("actor_iri", IRI, nullable=False),
        sa.Column("via_iri", IRI, nullable=True),
        sa.Column("hop", sa.Integer, nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("reach", sa.Integer, nullable=True),
        sa.Column("reach_at", TZ, nullable=True),
    )
    op.create_index("ix_cascade_entries_object_iri", "cascade_entries", ["object_iri"])


def downgrade() -> None:
    op.drop_table("cascade_entries")
    op.drop_table("amplifications")
    op.drop_table("allies")
