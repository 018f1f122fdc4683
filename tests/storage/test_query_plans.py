"""Every query the worker and the inbox run has an index to use, on SQLite and PostgreSQL.

A realistic round is run with every statement recorded: signed Creates (notes, and an ally's
call that is amplified), a Follow, a publication delivered to followers, a call closed at its
deadline. Each recorded SELECT, UPDATE and DELETE is then explained: SQLite's query plan may
not SCAN a table (a full read), and PostgreSQL's plan, with sequential scans switched off so
that only a missing index can force one, may hold no Seq Scan. Tables that hold the node's own
configuration (organisations, relays, domain blocks, alliance subscriptions) are read whole by
design and left out.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event, text

from node.activitypub.objects import ActorView
from node.activitypub.vocabulary import CONTEXT, PUBLIC
from node.clock import FrozenClock
from node.federation.remote_actors import to_remote
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations
from node.storage import actors, allies, follows, remote_actors
from node.storage.follows import ACCEPTED
from tests.support.actors import RemoteHost, create_note, hosted, post_signed
from tests.support.router import HostRouter

SHARED = "https://node.test/inbox"
CONFIGURATION = {
    "actors",
    "relays",
    "domain_blocks",
    "tokens",
    "alembic_version",
    "alliances",
    "alliance_domains",
}
PLANNED = re.compile(r"^\s*(SELECT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


@contextmanager
def recording(node: Runtime) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _c: Any, many: bool
    ) -> None:
        if PLANNED.match(statement):
            seen.append((statement, parameters[0] if many and parameters else parameters))

    engine = node.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def ally_call(actor_iri: str, key: str, deadline: str) -> dict[str, Any]:
    note = {
        "id": f"{actor_iri}/calls/{key}",
        "type": "Note",
        "attributedTo": actor_iri,
        "kind": "call",
        "title": "Evictions",
        "urgency": "high",
        "deadline": deadline,
        "content": "<p>Come.</p>",
        "to": [PUBLIC],
        "cc": [f"{actor_iri}/followers"],
    }
    return {
        "@context": CONTEXT,
        "id": f"{actor_iri}/activities/{key}",
        "type": "Create",
        "actor": actor_iri,
        "to": [PUBLIC],
        "object": note,
    }


async def workload(
    node: Runtime, client: httpx.AsyncClient, alpha: str, remote: RemoteHost, clock: FrozenClock
) -> None:
    bob, carol = remote.actor("bob"), remote.actor("carol")
    now = clock.now()
    async with node.db.transaction() as session:
        org = (await actors.by_username(session, "alpha")).id
        for actor in (bob, carol):
            view = ActorView.from_document(actor.document(), actor.key_id)
            await remote_actors.upsert(session, to_remote(view, node), actor.document())
            await follows.put(session, actor.iri, alpha, ACCEPTED, None, now)
        await allies.put(session, org, bob.iri, "auto", (), (), now)
    deadline = (now + timedelta(hours=1)).isoformat()
    for n in range(5):
        note = create_note(carol, f"n{n}")
        assert (await post_signed(client, carol, SHARED, note, now)).status_code == 202
    call = ally_call(bob.iri, uuid.uuid4().hex, deadline)
    assert (await post_signed(client, bob, SHARED, call, now)).status_code == 202
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{carol.iri}/follows/1",
        "type": "Follow",
        "actor": carol.iri,
        "object": alpha,
    }
    assert (await post_signed(client, carol, SHARED, follow, now)).status_code == 202
    worker = build_worker(node)
    await worker.run_until_idle()
    token = await api_token(node)
    body = {"title": "Rent strike", "content": "Join.", "deadline": deadline}
    made = await client.post("/api/v1/calls", json=body, headers={"Authorization": token})
    assert made.status_code == 201, made.text
    await worker.run_until_idle()
    for queue in worker.queues:  # what each lane asks when it has nothing to do
        await queue.next_due()
    clock.advance(timedelta(hours=2))
    await worker.run_until_idle()  # the call closes
    await worker.aclose()


async def api_token(node: Runtime) -> str:
    return "Bearer " + await organisations.create_token(node.db, node.clock, "alpha")


def sqlite_scans(plan: list[Any]) -> list[str]:
    """Table scans in an EXPLAIN QUERY PLAN: 'SCAN t' without an index."""
    found = []
    for row in plan:
        detail = str(row[-1])
        match = re.match(r"SCAN (\w+)(?: AS \w+)?$", detail)
        if match and match.group(1) not in CONFIGURATION:
            found.append(detail)
    return found


def postgres_scans(plan: Any) -> list[str]:
    found = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") not in CONFIGURATION:
            found.append(str(node.get("Relation Name")))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


async def explain(node: Runtime, statement: str, parameters: Any) -> list[str]:
    async with node.db.engine.connect() as conn:
        if node.db.dialect == "sqlite":
            raw = await conn.get_raw_connection()
            cursor = await raw.driver_connection.execute(  # type: ignore[union-attr]
                "EXPLAIN QUERY PLAN " + statement, parameters or ()
            )
            return sqlite_scans(list(await cursor.fetchall()))
        await conn.execute(text("SET enable_seqscan = off"))
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        (row,) = await driver.fetch("EXPLAIN (FORMAT JSON) " + statement, *(parameters or ()))
        plan = row[0]
        return postgres_scans(json.loads(plan) if isinstance(plan, str) else plan)


async def test_every_worker_and_inbox_query_uses_an_index(
    node: Runtime,
    client: httpx.AsyncClient,
    alpha: str,
    router: HostRouter,
    clock: FrozenClock,
) -> None:
    remote = hosted(router, "remote.test")
    with recording(node) as seen:
        await workload(node, client, alpha, remote, clock)
    statements = {statement: parameters for statement, parameters in seen}
    assert len(statements) > 20  # the workload ran the worker's queries
    # the check sees a scan where there is one
    unindexed = "SELECT id FROM inbox_items WHERE last_error = 'x'"
    assert await explain(node, unindexed, None) != []
    scans = {}
    for statement, parameters in statements.items():
        found = await explain(node, statement, parameters)
        if found:
            scans[statement] = found
    assert scans == {}
