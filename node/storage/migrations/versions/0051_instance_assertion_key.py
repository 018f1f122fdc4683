"""Alliance manifests signed with eddsa-jcs-2022: the instance actor gets an Ed25519 assertion
key (as organisations did in 0045), and a subscription pins the signer's assertion key (a
Multikey) instead of its RSA key. The RSA keys pinned so far cannot match any more: they are
cleared, so the next fetch of each subscription pins the key its signer publishes.

Revision ID: 0051
Revises: 0047
"""

from __future__ import annotations

import base58
import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

revision = "0051"
down_revision = "0047"
branch_labels = None
depends_on = None


def new_pair() -> tuple[str, str]:
    """An Ed25519 pair as the node keeps it: PKCS#8 PEM, and the public key as a Multikey
    (multicodec 0xed01, base58btc with the "z" prefix), as 0045 makes it."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pem, "z" + base58.b58encode(b"\xed\x01" + raw).decode("ascii")


def upgrade() -> None:
    actors = sa.table(
        "actors",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("assertion_private_pem", sa.Text),
        sa.column("assertion_public", sa.String),
    )
    connection = op.get_bind()
    missing = connection.execute(
        sa.select(actors.c.id).where(
            actors.c.kind == "application", actors.c.assertion_private_pem.is_(None)
        )
    ).scalars()
    for actor_id in list(missing):
        private_pem, public = new_pair()
        connection.execute(
            actors.update()
            .where(actors.c.id == actor_id)
            .values(assertion_private_pem=private_pem, assertion_public=public)
        )
    with op.batch_alter_table("alliances") as batch:
        batch.drop_column("public_key_pem")
        batch.add_column(sa.Column("public_key", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alliances") as batch:
        batch.drop_column("public_key")
        batch.add_column(sa.Column("public_key_pem", sa.Text, nullable=True))
