"""`db copy` from SQLite to PostgreSQL, as docs/admin.md moves a node: every row of every table
arrives unchanged, and the node, pointed at PostgreSQL, serves the same documents and goes on
(new ids continue after the copied ones).

The SQLite node has lived a little first: a follower node's Follow came in and was accepted,
the organisation published a strategy and a call, blocked a domain and made an ally, so that
most tables hold rows.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from node.storage.db import Database
from node.storage.tables import Base
from tests.support.pg_databases import empty_database
from tests.support.processes import LoopbackNode, loopback_nodes, wait_until

TIMEOUT = 30.0
DOCUMENTS = (
    "/users/alpha",
    "/actor",
    "/users/alpha/outbox?page=1",
    "/users/alpha/followers",
    "/.well-known/webfinger?resource=acct:alpha@{host}",
)


def test_db_copy_moves_every_row_and_the_node_serves_the_same(tmp_path: Path) -> None:
    with empty_database("sn_copy") as target, loopback_nodes(tmp_path) as new:
        origin, follower = new("origin"), new("follower")
        origin.init()
        follower.init()
        origin.add_org("alpha", "Alpha")
        follower.add_org("beta", "Beta")
        origin.serve()
        follower.serve()
        paths = live_a_little(origin, follower)
        before = {path: fetch(origin, path) for path in paths}
        origin.stop()

        sqlite_url = f"sqlite+aiosqlite:///{(origin.data_dir / 'node.db').resolve()}"
        said = origin.cli("db", "copy", "--to", target)
        assert "Copied" in said and ":***@" in said  # the password is not printed
        rows = asyncio.run(every_row(sqlite_url))
        assert asyncio.run(every_row(target)) == rows
        assert sum(len(found) for found in rows.values()) >= 20
        assert len([table for table, found in rows.items() if found]) >= 10

        with (origin.data_dir / "config.toml").open("a") as config:
            config.write(f'database_url = "{target}"\n')
        origin.serve()
        assert {path: fetch(origin, path) for path in paths} == before
        made = origin.api("POST", "/strategies", "alpha", json={"title": "On", "content": "PG"})
        assert made.status_code == 201, made.text


def live_a_little(origin: LoopbackNode, follower: LoopbackNode) -> list[str]:
    made = follower.api("POST", "/follows", "beta", json={"target": origin.handle("alpha")})
    assert made.status_code == 202, made.text

    def accepted() -> bool:
        found = follower.api("GET", "/follows", "beta").json()["follows"]
        return [f["state"] for f in found] == ["accepted"]

    wait_until(accepted, "the follow to be accepted", [origin.running, follower.running], TIMEOUT)
    strategy = origin.api(
        "POST",
        "/strategies",
        "alpha",
        json={"title": "Plan", "content": "Step one.", "themes": ["housing"], "regions": ["PL"]},
    )
    deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    call = origin.api(
        "POST",
        "/calls",
        "alpha",
        json={"title": "Come", "content": "Now.", "deadline": deadline, "actions": ["go"]},
    )
    assert strategy.status_code == call.status_code == 201
    origin.cli("domain", "block", "spam.example", "--reason", "spam")
    origin.cli("ally", "add", "alpha", follower.handle("beta"), "--amplify", "manual")
    host = origin.host
    found = [path.format(host=host) for path in DOCUMENTS]
    return [*found, path_of(strategy.json()["id"]), path_of(call.json()["id"])]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def fetch(node: LoopbackNode, path: str) -> Any:
    """The document served, without its integrity proof (made anew when served: its time)."""
    response = node.get(path, headers={"Accept": "application/activity+json"})
    assert response.status_code == 200, (path, response.text)
    document = response.json()
    if isinstance(document, dict):
        document.pop("proof", None)
    return document


async def every_row(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary key order, as the node's tables read them."""
    db = Database(url)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        async with db.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                statement = select(table).order_by(*table.primary_key.columns)
                found[table.name] = [dict(row._mapping) for row in await conn.execute(statement)]
    finally:
        await db.close()
    return dict(sorted(found.items()))
