"""Federation policy: the node's mode and lockdown settings (one row, with a version that
grows with every policy change), local allowlist decisions, and Mastodon's domain-block fields.

Revision ID: 0030
Revises: 0025
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0025"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
DOMAIN = sa.String(261)  # a host name (253) and a port


def upgrade() -> None:
    state = op.create_table(
        "federation_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False, server_default="open"),
        sa.Column("signed_fetches", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("hide_collections", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reduced_pages", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("lockdown_saved", sa.JSON, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", TZ, nullable=False),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    op.bulk_insert(state, [{"id": 1, "mode": "open", "version": 1, "updated_at": now}])
    op.create_table(
        "allowed_domains",
        sa.Column("domain", DOMAIN, primary_key=True),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    with op.batch_alter_table("domain_blocks") as batch:
        batch.add_column(
            sa.Column("severity", sa.String(16), nullable=False, server_default="suspend")
        )
        for name in ("reject_media", "reject_reports"):
            batch.add_column(sa.Column(name, sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("public_comment", sa.Text, nullable=False, server_default=""))
        batch.add_column(
            sa.Column("obfuscate", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("domain_blocks") as batch:
        for name in ("obfuscate", "public_comment", "reject_reports", "reject_media", "severity"):
            batch.drop_column(name)
    op.drop_table("allowed_domains")
    op.drop_table("federation_state")
