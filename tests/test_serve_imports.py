"""What a serving process imports: `serve`'s path (the command line, the app, its lifespan with
the in-process worker, a first request) must not load the libraries that only migrating,
publishing, receiving or showing HTML needs. They are most of a node's idle memory
(bench/README.md, Memory), and one import at the top of a module brings them all back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from node.clock import FrozenClock
from node.config import Settings, write_config
from node.federation.instance_actor import ensure_instance_actor
from node.storage.db import Database
from node.urls import Urls

# loaded only when used: to migrate (Alembic, which brings Mako), to read JSON-LD (pyld, which
# brings lxml), to publish (markdown-it, langcodes, pycountry), for HTML (nh3, Jinja2), for
# host-meta (ElementTree); for pages in other languages (Babel), to sign in (argon2); for media
# (Pillow, pypdf, blurhash)
ONLY_WHEN_USED = (
    "babel",
    "argon2",
    "alembic",
    "mako",
    "pyld",
    "lxml",
    "markdown_it",
    "langcodes",
    "pycountry",
    "nh3",
    "jinja2",
    "xml.etree",
    "PIL",
    "pypdf",
    "blurhash",
)
# each database's driver and SQLAlchemy dialect, loaded only for a node configured with it
DIALECTS = {
    "sqlite": ("aiosqlite", "sqlalchemy.dialects.sqlite"),
    "postgresql": ("asyncpg", "sqlalchemy.dialects.postgresql"),
}

SERVE = """
import asyncio, json, sys
from pathlib import Path

import httpx
import uvicorn  # serve_app's own imports, as `solidarity-node serve` runs them
from node.cli import main
from node.app import create_app
from node.cli.base import run, with_db
from node.config import load_settings

settings = load_settings(Path(sys.argv[1]))
run(with_db(settings, lambda db: asyncio.sleep(0)))
app = create_app(settings, run_worker=True)

async def serve_once() -> None:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http:
            answer = await http.get("/.well-known/nodeinfo")
            assert answer.status_code == 200, answer.status_code

asyncio.run(serve_once())
print(json.dumps(sorted(sys.modules)))
"""


@pytest.fixture
async def initialised(settings: Settings, clock: FrozenClock) -> Settings:
    """A data directory as `init` leaves it: config.toml, migrated database, instance actor."""
    write_config(settings)
    db = Database(settings.database_url)
    try:
        await ensure_instance_actor(db, clock, Urls(settings.base_url))
    finally:
        await db.close()
    return settings


def test_serving_leaves_heavy_libraries_unloaded(initialised: Settings) -> None:
    settings = initialised
    env = {k: v for k, v in os.environ.items() if not k.startswith("SN_")}
    done = subprocess.run(
        [sys.executable, "-c", SERVE, str(settings.data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    dialect = settings.database_url.split("+")[0]
    other = next(names for name, names in DIALECTS.items() if name != dialect)
    assert DIALECTS[dialect][0] in loaded  # the probe did reach the database
    for package in (*ONLY_WHEN_USED, *other):
        found = sorted(m for m in loaded if m == package or m.startswith(f"{package}."))
        assert not found, f"serving imported {package}: {found[:5]}"
