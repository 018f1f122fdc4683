"""Strategies, calls and responses: searchable and filterable columns on objects, labels.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.add_column(sa.Column("key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("title", sa.String(300), nullable=True))
        batch.add_column(sa.Column("summary_text", sa.Text, nullable=True))
        batch.add_column(sa.Column("body_text", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("language", sa.String(35), nullable=True))
        batch.add_column(sa.Column("urgency", sa.String(16), nullable=True))
        batch.add_column(sa.Column("deadline", TZ, nullable=True))
        batch.add_column(sa.Column("max_hops", sa.Integer, nullable=True))
        batch.add_column(sa.Column("in_reply_to", sa.String(2048), nullable=True))
        batch.add_column(
            sa.Column("is_pledge", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("source", sa.JSON, nullable=True))
        batch.create_unique_constraint("uq_objects_key", ["key"])
        batch.create_index("ix_objects_in_reply_to", ["in_reply_to"])
    op.create_table(
        "object_labels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "object_id",
            sa.Integer,
            sa.ForeignKey("objects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
    )
    op.create_index("ix_object_labels_object_id", "object_labels", ["object_id"])
    op.create_index("ix_object_labels_label_value", "object_labels", ["label", "value"])


def downgrade() -> None:
    op.drop_table("object_labels")
    with op.batch_alter_table("objects") as batch:
        batch.drop_index("ix_objects_in_reply_to")
        batch.drop_constraint("uq_objects_key", type_="unique")
        for column in (
            "source",
            "is_pledge",
            "in_reply_to",
            "max_hops",
            "deadline",
            "urgency",
            "language",
            "body_text",
            "summary_text",
            "title",
            "key",
        ):
            batch.drop_column(column)
