"""Alliance manifests the node subscribes to (with the signer's key, pinned at subscription)
and the domains each applied manifest lists.

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
IRI = sa.String(2048)


def upgrade() -> None:
    op.create_table(
        "alliances",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", IRI, nullable=False, unique=True),
        sa.Column("signer_iri", IRI, nullable=True),
        sa.Column("key_id", IRI, nullable=True),
        sa.Column("public_key_pem", sa.Text, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("manifest_updated", TZ, nullable=True),
        sa.Column("last_fetched_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("next_fetch_at", TZ, nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "alliance_domains",
        sa.Column(
            "alliance_id",
            sa.Integer,
            sa.ForeignKey("alliances.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("domain", sa.String(261), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("alliance_domains")
    op.drop_table("alliances")
