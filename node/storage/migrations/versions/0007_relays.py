"""Relays the instance actor subscribes to, and which relay passed on an inbox item.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def upgrade() -> None:
    op.create_table(
        "relays",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inbox_url", IRI, nullable=False, unique=True),
        sa.Column("actor_iri", IRI, nullable=True),
        sa.Column("style", sa.String(16), nullable=False),
        sa.Column("follow_iri", IRI, nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_relays_actor_iri", "relays", ["actor_iri"])
    with op.batch_alter_table("inbox_items") as batch:
        batch.add_column(sa.Column("relayed_by", IRI, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox_items") as batch:
        batch.drop_column("relayed_by")
    op.drop_table("relays")
