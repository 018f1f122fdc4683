"""Several full nodes in one process: each with its own database, app and worker, talking
over httpx transports that map https://NAME.test to the node's ASGI app.

Everything real but the sockets: signatures, key fetches, the inbox, the durable delivery
rows and the workers. `settle()` runs the workers until no node has due work. SQLite
databases are copies of one migrated template, made once per network.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from node.app import create_app
from node.clock import FrozenClock
from node.config import Settings
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime, make_runtime
from node.runner import build_worker
from node.solidarity import organisations
from node.storage.db import Database
from node.storage.migrate import migrate
from node.workers import Worker
from tests.support.router import HostRouter


@dataclass
class Member:
    host: str
    node: Runtime
    app: Starlette
    worker: Worker
    client: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"https://{self.host}"

    def actor(self, org: str) -> str:
        return f"{self.base}/users/{org}"

    def handle(self, org: str) -> str:
        return f"{org}@{self.host}"

    async def add_org(self, name: str, **options: Any) -> str:
        made = await organisations.create_organisation(
            self.node.db, self.node.clock, self.node.urls, name, name.title(), **options
        )
        self.keys[name] = made.private_key_pem
        self.tokens[name] = await organisations.create_token(self.node.db, self.node.clock, name)
        return self.actor(name)

    def private_key(self, org: str) -> str:
        return self.keys[org]

    async def api(self, method: str, path: str, org: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[org]}"}
        return await self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)


class Network:
    def __init__(self, folder: Path, clock: FrozenClock) -> None:
        self.folder = folder
        self.clock = clock
        self.router = HostRouter()
        self.members: dict[str, Member] = {}
        self.sqlite_template: Path | None = None
        self.woken: set[str] = set()

    async def migrated_copy(self, path: Path) -> None:
        """A SQLite database at `path` at the head revision, copied from the template."""
        if self.sqlite_template is None:
            template = self.folder / "template.sqlite"
            db = Database(f"sqlite+aiosqlite:///{template}")
            await migrate(db)
            await db.close()
            self.sqlite_template = template
        # the backup API copies a consistent database, whatever is left in the WAL
        with closing(sqlite3.connect(self.sqlite_template)) as source:
            with closing(sqlite3.connect(path)) as target:
                source.backup(target)

    async def add(self, name: str, database_url: str | None = None) -> Member:
        host = f"{name}.test"
        if database_url is None:
            path = self.folder / f"{name}.db"
            await self.migrated_copy(path)
            url = f"sqlite+aiosqlite:///{path}"
        else:
            url = database_url
            db = Database(url)
            await migrate(db)
            await db.close()
        settings = Settings(
            data_dir=self.folder,
            base_url=f"https://{host}",
            database_url=url,
            allow_private_addresses=True,
        )
        node = make_runtime(settings, clock=self.clock, transport=self.router)
        await ensure_instance_actor(node.db, self.clock, node.urls)
        await node.start()
        app = create_app(settings, runtime=node)
        self.router.add(host, app)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"https://{host}"
        )
        member = Member(host, node, app, build_worker(node), client)
        node.wake_worker = lambda: self.woken.add(name)
        self.members[name] = member
        return member

    async def settle(self, rounds: int = 200) -> int:
        """Run the workers until a full round does nothing; returns the work done.

        Between full rounds only the members that did work or were woken (rows stored for
        them, as node.wake_worker tells) run, so idle nodes of a large network cost nothing
        until the full round that confirms the quiet."""
        total, full, active = 0, True, list(self.members)
        for _ in range(rounds):
            self.woken.clear()
            # the members run side by side, as separate nodes would
            done = await asyncio.gather(*(self.members[n].worker.run_once() for n in active))
            busy = {name for name, work in zip(active, done, strict=True) if work}
            total += sum(done)
            if busy or self.woken:
                active = [name for name in self.members if name in busy or name in self.woken]
                full = False
            elif full:
                return total
            else:
                active, full = list(self.members), True
        raise RuntimeError("the network did not settle")

    async def close(self) -> None:
        for member in self.members.values():
            await member.client.aclose()
            await member.node.close()
