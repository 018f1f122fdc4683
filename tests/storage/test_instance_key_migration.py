"""Migration 0051: an instance actor made before it gets an Ed25519 assertion key (it signs the
alliance manifest), one that has a key keeps it, and the RSA keys subscriptions pinned are
cleared (the next fetch pins the signer's assertion key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from node.activitypub import integrity
from node.storage import actors
from node.storage import alliances as subscriptions
from node.storage.db import Database
from node.storage.migrate import migrate
from tests.storage.test_migrate import empty_db_url  # noqa: F401 (a fixture)

THEN = datetime(2026, 1, 1)
INSERT_ACTOR = text(
    "INSERT INTO actors (username, kind, display_name, summary, manually_approves_followers,"
    " discoverable, indexable, fields, private_key_pem, public_key_pem, created_at, updated_at,"
    " max_hops, hide_follows) VALUES (:name, :kind, '', '', false, true, true, '[]', 'k', 'p',"
    " :t, :t, 6, false)"
)
INSERT_ALLIANCE = text(
    "INSERT INTO alliances (url, signer_iri, key_id, public_key_pem, state, next_fetch_at,"
    " created_at) VALUES ('https://ally.test/.well-known/solidarity-alliance',"
    " 'https://ally.test/actor', 'https://ally.test/actor#main-key', :pem, 'applied', :t, :t)"
)


async def test_an_instance_actor_made_before_0051_gets_an_assertion_key(
    empty_db_url: str,  # noqa: F811
) -> None:
    db = Database(empty_db_url)
    try:
        await migrate(db, "0045")
        async with db.engine.begin() as conn:
            await conn.execute(
                INSERT_ACTOR, {"name": "node.test", "kind": "application", "t": THEN}
            )
            await conn.execute(INSERT_ALLIANCE, {"pem": "-----BEGIN PUBLIC KEY-----…", "t": THEN})
        await migrate(db)
        async with db.transaction() as session:
            instance = await actors.instance_actor(session)
            [pinned] = await subscriptions.listed(session)
        assert instance.assertion_private_pem is not None
        key = integrity.load_private(instance.assertion_private_pem)
        assert integrity.encode_public(key.public_key()) == instance.assertion_public
        assert pinned.public_key is None and pinned.state == "applied"
    finally:
        await db.close()
