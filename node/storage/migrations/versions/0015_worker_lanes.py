"""The worker's lanes: deliveries carry a priority (a call's urgency) and an expiry (its
deadline), claimed by (state, priority, next_attempt_at); inbox items are counted per actor for
the per-actor quota by (state, actor_iri); calls remember when their closing Update was sent
(objects.closed_at); a partial index on the deadline holds the local calls still open; remote
actors are found by their followers collection (an addressed object's audience) by index.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
OPEN_LOCAL = "local_actor_id IS NOT NULL AND closed_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("priority", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("expires_at", TZ, nullable=True))
    op.create_index("ix_deliveries_claim", "deliveries", ["state", "priority", "next_attempt_at"])
    op.create_index("ix_inbox_items_actor", "inbox_items", ["state", "actor_iri"])
    op.create_index("ix_remote_actors_ap_followers", "remote_actors", ["ap_followers"])
    with op.batch_alter_table("objects") as batch:
        batch.add_column(sa.Column("closed_at", TZ, nullable=True))
    op.create_index(
        "ix_objects_open_calls",
        "objects",
        ["deadline"],
        sqlite_where=sa.text(OPEN_LOCAL),
        postgresql_where=sa.text(OPEN_LOCAL),
    )


def downgrade() -> None:
    op.drop_index("ix_objects_open_calls", "objects")
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("closed_at")
    op.drop_index("ix_remote_actors_ap_followers", "remote_actors")
    op.drop_index("ix_inbox_items_actor", "inbox_items")
    op.drop_index("ix_deliveries_claim", "deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("priority")
