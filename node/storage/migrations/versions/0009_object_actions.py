"""A call's requested actions in a column of their own, beside its other fields (filled from
the stored documents of calls already kept).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MAX_ACTIONS = 50
MAX_ACTION = 500


def actions_of(document: object) -> list[str] | None:
    if isinstance(document, str):
        document = json.loads(document)
    found = document.get("actions") if isinstance(document, dict) else None
    if not isinstance(found, list):
        return None
    texts = [a.strip()[:MAX_ACTION] for a in found if isinstance(a, str) and a.strip()]
    return list(dict.fromkeys(texts))[:MAX_ACTIONS]


def upgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.add_column(sa.Column("actions", sa.JSON, nullable=True))
    objects = sa.table(
        "objects",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("document", sa.JSON),
        sa.column("actions", sa.JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(objects.c.id, objects.c.document).where(objects.c.kind == "call")
    )
    for object_id, document in rows.all():
        actions = actions_of(document)
        if actions:
            connection.execute(
                objects.update().where(objects.c.id == object_id).values(actions=actions)
            )


def downgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("actions")
