"""Who each object was addressed to, as a stored fact (object_addressees), and the last path
segment of each object's id (objects.tail) so the API finds objects by it exactly.

Objects kept before this revision have no addressees: their non-public ones are shown to
their local author only, never guessed.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MAX_TAIL = 255


def tail_of(iri: str) -> str | None:
    path = iri.partition("#")[0].partition("?")[0].rstrip("/")
    tail = path.rpartition("/")[2]
    return tail if tail and len(tail) <= MAX_TAIL else None


def upgrade() -> None:
    op.create_table(
        "object_addressees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "object_id",
            sa.Integer,
            sa.ForeignKey("objects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "actor_id", sa.Integer, sa.ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.UniqueConstraint("object_id", "actor_id"),
    )
    op.create_index("ix_object_addressees_actor_id", "object_addressees", ["actor_id"])
    with op.batch_alter_table("objects") as batch:
        batch.add_column(sa.Column("tail", sa.String(MAX_TAIL), nullable=True))
        batch.create_index("ix_objects_tail", ["tail"])
    objects = sa.table(
        "objects", sa.column("id", sa.Integer), sa.column("iri", sa.String), sa.column("tail")
    )
    connection = op.get_bind()
    for object_id, iri in connection.execute(sa.select(objects.c.id, objects.c.iri)).all():
        connection.execute(
            objects.update().where(objects.c.id == object_id).values(tail=tail_of(iri))
        )


def downgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.drop_index("ix_objects_tail")
        batch.drop_column("tail")
    op.drop_index("ix_object_addressees_actor_id", "object_addressees")
    op.drop_table("object_addressees")
