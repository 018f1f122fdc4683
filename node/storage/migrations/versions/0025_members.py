"""The web workspace: members of organisations, their sessions, and failed sign-ins by address.

Revision ID: 0025
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0020"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "actor_id", sa.Integer, sa.ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("link_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("link_expires_at", TZ, nullable=True),
        sa.Column("failed_signins", sa.Integer, nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("notifications_seen_at", TZ, nullable=True),
        sa.Column("feed_generation", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_signin_at", TZ, nullable=True),
    )
    op.create_index("ix_members_actor_id", "members", ["actor_id"])
    op.create_table(
        "member_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "member_id",
            sa.Integer,
            sa.ForeignKey("members.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_index("ix_member_sessions_member_id", "member_sessions", ["member_id"])
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_index("ix_signin_failures_address_at", "signin_failures", ["address", "at"])


def downgrade() -> None:
    op.drop_table("signin_failures")
    op.drop_table("member_sessions")
    op.drop_table("members")
