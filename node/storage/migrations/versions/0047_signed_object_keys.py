"""Signed objects keep the key that verified them, and for a circle call taken on an ally's
word, that ally and the author's inbox it attested.

Revision ID: 0047
Revises: 0046
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None

IRI = sa.String(2048)


def upgrade() -> None:
    with op.batch_alter_table("signed_objects") as batch:
        batch.add_column(sa.Column("key_id", IRI, nullable=True))
        batch.add_column(sa.Column("public_key", sa.String(128), nullable=True))
        batch.add_column(sa.Column("vouched_by", IRI, nullable=True))
        batch.add_column(sa.Column("author_inbox", IRI, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signed_objects") as batch:
        batch.drop_column("author_inbox")
        batch.drop_column("vouched_by")
        batch.drop_column("public_key")
        batch.drop_column("key_id")
