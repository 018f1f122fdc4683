"""The upgrade to /users/NAME actors: organisations that existed before it keep the /orgs/NAME
ids they published, new ones get /users/NAME, and the node serves both shapes; on SQLite and
PostgreSQL, from a database migrated only to the revision before.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from node.activitypub.keys import generate_key_pair
from node.app import create_app
from node.clock import FrozenClock
from node.config import Settings
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime, make_runtime
from node.solidarity import organisations
from node.storage.db import Database
from node.storage.migrate import migrate
from tests.support.ci import require
from tests.support.postgres import drop_database, pg_execute, postgres_admin_url

BASE = "https://node.test"
AS2 = {"Accept": "application/activity+json"}
BEFORE = "0009"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        require("SN_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
        return
    name = f"sn_paths_{secrets.token_hex(6)}"
    await pg_execute(admin, f'CREATE DATABASE "{name}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    await drop_database(admin, name)


async def old_database(url: str) -> None:
    """A database as the node left it before /users/: one organisation, "old"."""
    db = Database(url)
    try:
        await migrate(db, BEFORE)
        keys = generate_key_pair()
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO actors (username, kind, display_name, summary,"
                    " manually_approves_followers, discoverable, indexable, fields,"
                    " private_key_pem, public_key_pem, max_hops, created_at, updated_at)"
                    " VALUES ('old', 'organization', 'Old Org', '', false, true, true, '[]',"
                    " :private, :public, 6, :t, :t)"
                ),
                {"private": keys.private_pem, "public": keys.public_pem, "t": datetime(2026, 1, 1)},
            )
        await migrate(db)
    finally:
        await db.close()


async def started(url: str, tmp_path: Path) -> Runtime:
    settings = Settings(data_dir=tmp_path, base_url=BASE, database_url=url)
    node = make_runtime(settings, clock=FrozenClock(datetime(2026, 11, 21, tzinfo=UTC)))
    await ensure_instance_actor(node.db, node.clock, node.urls)
    await node.start()
    return node


async def test_an_organisation_kept_before_the_upgrade_keeps_its_id(
    empty_db_url: str, tmp_path: Path
) -> None:
    await old_database(empty_db_url)
    node = await started(empty_db_url, tmp_path)
    try:
        await organisations.create_organisation(node.db, node.clock, node.urls, "fresh", "F", "")
        assert node.urls.actor("old") == f"{BASE}/orgs/old"
        assert node.urls.actor("fresh") == f"{BASE}/users/fresh"
        app = create_app(node.settings, runtime=node)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE
        ) as client:
            old = (await client.get("/orgs/old", headers=AS2)).json()
            assert old["id"] == f"{BASE}/orgs/old"
            assert old["inbox"] == f"{BASE}/orgs/old/inbox"
            assert old["publicKey"]["id"] == f"{BASE}/orgs/old#main-key"
            fresh = (await client.get("/users/fresh", headers=AS2)).json()
            assert fresh["id"] == f"{BASE}/users/fresh"
            assert fresh["followers"] == f"{BASE}/users/fresh/followers"
            for path, canonical in (("/users/old", "/orgs/old"), ("/orgs/fresh", "/users/fresh")):
                moved = await client.get(path, headers=AS2)
                assert moved.status_code == 301
                assert moved.headers["location"] == BASE + canonical
            finger = await client.get("/.well-known/webfinger?resource=acct:old@node.test")
            assert {"rel": "self", "type": "application/activity+json", "href": old["id"]} in (
                finger.json()["links"]
            )
    finally:
        await node.close()
    again = await started(empty_db_url, tmp_path)  # restarted: the set of old ids is fixed
    try:
        assert again.urls.actor("old") == f"{BASE}/orgs/old"
        assert again.urls.actor("fresh") == f"{BASE}/users/fresh"
    finally:
        await again.close()


async def test_a_database_made_after_the_upgrade_has_only_users_paths(
    empty_db_url: str, tmp_path: Path
) -> None:
    db = Database(empty_db_url)
    await migrate(db)
    await db.close()
    node = await started(empty_db_url, tmp_path)
    try:
        made = await organisations.create_organisation(
            node.db, node.clock, node.urls, "alpha", "A", ""
        )
        assert node.urls.actor(made.username) == f"{BASE}/users/alpha"
        assert node.urls.legacy_names == frozenset()
    finally:
        await node.close()
