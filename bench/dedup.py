"""Shared-inbox dedup: 10,000 followers on 1,000 hosts that advertise shared inboxes; one
public activity through node.federation.sending.send must give exactly 1,000 delivery rows.

No network: the rows are counted in the database.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.fanout import activity
from node.config import Settings
from node.federation import sending
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import make_runtime
from node.solidarity import organisations
from node.storage import deliveries as delivery_rows
from node.storage.db import Database
from node.storage.follows import ACCEPTED
from node.storage.migrate import migrate
from node.storage.tables import FollowRow, RemoteActorRow

HOSTS = 1_000
FOLLOWERS = 10_000


async def _measure(workdir: Path) -> dict[str, Any]:
    data_dir = workdir / "dedup-node"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        data_dir=data_dir,
        base_url="http://127.0.0.1:9",
        database_url=f"sqlite+aiosqlite:///{data_dir / 'node.db'}",
    )
    db = Database(settings.database_url)
    await migrate(db)
    await db.close()
    node = make_runtime(settings)
    try:
        await ensure_instance_actor(node.db, node.clock, node.urls)
        actor = await organisations.create_organisation(node.db, node.clock, node.urls, "bench")
        now = datetime.now(UTC)
        target = node.urls.actor("bench")
        followers = [
            f"https://h{n % HOSTS}.bench.example/users/u{n // HOSTS}" for n in range(FOLLOWERS)
        ]
        async with node.db.transaction() as session:
            await session.execute(
                insert(RemoteActorRow),
                [
                    {
                        "iri": iri,
                        "key_id": f"{iri}#main-key",
                        "ap_type": "Person",
                        "ap_inbox": f"{iri}/inbox",
                        "ap_shared_inbox": iri.split("/users/")[0] + "/inbox",
                        "document": {"id": iri},
                        "fetched_at": now,
                    }
                    for iri in followers
                ],
            )
            await session.execute(
                insert(FollowRow),
                [
                    {
                        "follower_iri": iri,
                        "target_iri": target,
                        "state": ACCEPTED,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for iri in followers
                ],
            )
        document = activity(node, "dedup") | {"cc": [node.urls.followers("bench")]}
        start = time.perf_counter()
        added = await sending.send(node, actor, document)
        elapsed = time.perf_counter() - start
        async with node.db.transaction() as session:
            rows = (await delivery_rows.counts(session)).total
    finally:
        await node.close()
    return {"followers": FOLLOWERS, "hosts": HOSTS, "rows": rows, "added": added, "send_s": elapsed}


def measure(workdir: Path) -> dict[str, Any]:
    return asyncio.run(_measure(workdir))
