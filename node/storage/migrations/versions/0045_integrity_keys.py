"""Object integrity proofs: an Ed25519 assertion key for every organisation (made here for
those that exist), remote actors' assertion keys, and received objects kept as signed.

Revision ID: 0045
Revises: 0040
"""

from __future__ import annotations

import base58
import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

revision = "0045"
down_revision = "0040"
branch_labels = None
depends_on = None


def new_pair() -> tuple[str, str]:
    """An Ed25519 pair as the node keeps it: PKCS#8 PEM, and the public key as a Multikey
    (multicodec 0xed01, base58btc with the "z" prefix)."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pem, "z" + base58.b58encode(b"\xed\x01" + raw).decode("ascii")


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("assertion_private_pem", sa.Text, nullable=True))
        batch.add_column(sa.Column("assertion_public", sa.String(128), nullable=True))
    with op.batch_alter_table("remote_actors") as batch:
        batch.add_column(sa.Column("ap_assertion_keys", sa.JSON, nullable=True))
    op.create_table(
        "signed_objects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("iri", sa.String(2048), nullable=False, unique=True),
        sa.Column("owner_iri", sa.String(2048), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
    )
    actors = sa.table(
        "actors",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("assertion_private_pem", sa.Text),
        sa.column("assertion_public", sa.String),
    )
    connection = op.get_bind()
    organisations = connection.execute(
        sa.select(actors.c.id).where(actors.c.kind == "organization")
    ).scalars()
    for actor_id in list(organisations):
        private_pem, public = new_pair()
        connection.execute(
            actors.update()
            .where(actors.c.id == actor_id)
            .values(assertion_private_pem=private_pem, assertion_public=public)
        )


def downgrade() -> None:
    op.drop_table("signed_objects")
    with op.batch_alter_table("remote_actors") as batch:
        batch.drop_column("ap_assertion_keys")
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("assertion_public")
        batch.drop_column("assertion_private_pem")
