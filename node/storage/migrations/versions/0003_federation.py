"""Federation state: remote actors, inbox items, deliveries, hosts, domain blocks, reactions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def upgrade() -> None:
    op.create_table(
        "remote_actors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("iri", IRI, nullable=False, unique=True),
        sa.Column("key_id", IRI, nullable=True),
        sa.Column("ap_public_key_pem", sa.Text, nullable=True),
        sa.Column("ap_type", sa.String(64), nullable=False),
        sa.Column("ap_username", sa.String(255), nullable=True),
        sa.Column("ap_name", sa.String(500), nullable=True),
        sa.Column("ap_inbox", IRI, nullable=True),
        sa.Column("ap_shared_inbox", IRI, nullable=True),
        sa.Column("ap_followers", IRI, nullable=True),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.Column("gone_at", TZ, nullable=True),
    )
    op.create_index("ix_remote_actors_key_id", "remote_actors", ["key_id"])
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("activity_iri", IRI, nullable=False, unique=True),
        sa.Column("actor_iri", IRI, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=True),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("done_at", TZ, nullable=True),
    )
    op.create_index("ix_inbox_items_due", "inbox_items", ["state", "next_attempt_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("activity_iri", IRI, nullable=False),
        sa.Column(
            "actor_id", sa.Integer, sa.ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("inbox_url", IRI, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.UniqueConstraint("activity_iri", "inbox_url"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_deliveries_host", "deliveries", ["host"])
    op.create_table(
        "hosts",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("failure_days", sa.Integer, nullable=False),
        sa.Column("last_failure_day", sa.String(10), nullable=True),
        sa.Column("unavailable_since", TZ, nullable=True),
        sa.Column("next_probe_at", TZ, nullable=True),
        sa.Column("last_success_at", TZ, nullable=True),
    )
    op.create_table(
        "domain_blocks",
        sa.Column("domain", sa.String(255), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("activity_iri", IRI, nullable=False, unique=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("actor_iri", IRI, nullable=False),
        sa.Column("object_iri", IRI, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_reactions_object_iri", "reactions", ["object_iri"])


def downgrade() -> None:
    for table in ("reactions", "domain_blocks", "hosts", "deliveries", "inbox_items"):
        op.drop_table(table)
    op.drop_table("remote_actors")
