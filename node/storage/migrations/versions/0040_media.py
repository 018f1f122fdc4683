"""Media: local uploads (pictures and documents) and their attachment to publications, and the
attachments of received objects kept as references.

Revision ID: 0040
Revises: 0034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0034"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "actor_id", sa.Integer, sa.ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
        sa.Column("blurhash", sa.String(128), nullable=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("thumbnail_file", sa.String(255), nullable=True),
        sa.Column("thumbnail_type", sa.String(64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_media_actor_id", "media", ["actor_id"])
    op.create_index("ix_media_created_at", "media", ["created_at"])
    op.create_table(
        "media_attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "object_id", sa.Integer, sa.ForeignKey("objects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "media_id", sa.Integer, sa.ForeignKey("media.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("object_id", "media_id"),
    )
    op.create_index("ix_media_attachments_object_id", "media_attachments", ["object_id"])
    op.create_index("ix_media_attachments_media_id", "media_attachments", ["media_id"])
    op.create_table(
        "remote_media",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "object_id", sa.Integer, sa.ForeignKey("objects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("ap_kind", sa.String(16), nullable=False),
        sa.Column("ap_url", IRI, nullable=False),
        sa.Column("ap_media_type", sa.String(128), nullable=True),
        sa.Column("ap_name", sa.Text, nullable=False),
        sa.Column("ap_width", sa.Integer, nullable=True),
        sa.Column("ap_height", sa.Integer, nullable=True),
        sa.Column("ap_blurhash", sa.String(128), nullable=True),
        sa.Column("copy_file", sa.String(255), nullable=True),
        sa.Column("copy_type", sa.String(64), nullable=True),
        sa.Column("failed_at", TZ, nullable=True),
        sa.Column("failure", sa.Text, nullable=True),
    )
    op.create_index("ix_remote_media_object_id", "remote_media", ["object_id"])


def downgrade() -> None:
    op.drop_table("remote_media")
    op.drop_table("media_attachments")
    op.drop_table("media")
