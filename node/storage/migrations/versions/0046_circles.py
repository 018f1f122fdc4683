"""Circles: an organisation's named circles of trusted allies, their members, and the circle an
ally record passes that ally's circle calls on to.

Revision ID: 0046
Revises: 0045
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def upgrade() -> None:
    op.create_table(
        "circles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "actor_id", sa.Integer, sa.ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("actor_id", "name"),
    )
    op.create_table(
        "circle_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "circle_id",
            sa.Integer,
            sa.ForeignKey("circles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("member_iri", IRI, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("circle_id", "member_iri"),
    )
    with op.batch_alter_table("allies") as batch:
        batch.add_column(sa.Column("circle_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_allies_circle_id_circles", "circles", ["circle_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("allies") as batch:
        batch.drop_constraint("fk_allies_circle_id_circles", type_="foreignkey")
        batch.drop_column("circle_id")
    op.drop_table("circle_members")
    op.drop_table("circles")
