"""Follow relations, content objects and the outbox's activities.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("follower_iri", IRI, nullable=False),
        sa.Column("target_iri", IRI, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("follow_iri", IRI, nullable=True, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("follower_iri", "target_iri"),
    )
    op.create_index("ix_follows_follower_iri", "follows", ["follower_iri"])
    op.create_index("ix_follows_target_iri", "follows", ["target_iri"])
    op.create_table(
        "objects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("iri", IRI, nullable=False, unique=True),
        sa.Column("actor_iri", IRI, nullable=False),
        sa.Column(
            "local_actor_id",
            sa.Integer,
            sa.ForeignKey("actors.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("published", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=True),
        sa.Column("deleted_at", TZ, nullable=True),
        sa.Column("pinned_at", TZ, nullable=True),
    )
    op.create_index("ix_objects_actor_published", "objects", ["actor_iri", "published"])
    op.create_index("ix_objects_local_actor_id", "objects", ["local_actor_id"])
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("iri", IRI, nullable=False, unique=True),
        sa.Column(
            "actor_id", sa.Integer, sa.ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("object_iri", IRI, nullable=True),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("published", TZ, nullable=False),
    )
    op.create_index("ix_activities_actor_published", "activities", ["actor_id", "published"])
    op.create_index("ix_activities_object_iri", "activities", ["object_iri"])


def downgrade() -> None:
    op.drop_table("activities")
    op.drop_table("objects")
    op.drop_table("follows")
