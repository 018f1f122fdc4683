"""The federation policy as stored: allowlist entries with and without ports, what a snapshot
refuses, the version that tells every process to re-read it (within POLICY_REFRESH, or at
once when fresh), and the audit log the database keeps append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from node.clock import FrozenClock
from node.errors import InvalidInput
from node.federation.runtime import Runtime
from node.storage import audit, domain_blocks, federation_policy
from node.storage.audit import Who
from node.storage.caches import POLICY_REFRESH
from node.storage.db import Database
from node.storage.domain_blocks import BlockFields
from node.storage.federation_policy import (
    ALLOWLIST,
    FederationSettings,
    Policy,
    covers,
    normalise_entry,
)
from node.storage.tables import AllianceDomainRow, AllianceRow

WHO = Who(audit.CLI, "tester", "command line on test")


def test_entries_cover_subdomains_on_any_port_unless_they_name_a_port() -> None:
    entries = {"ally.example", "127.0.0.1:8001"}
    assert covers(entries, "ally.example") == "ally.example"
    assert covers(entries, "social.ally.example:8443") == "ally.example"
    assert covers(entries, "notally.example") is None
    assert covers(entries, "127.0.0.1:8001") == "127.0.0.1:8001"
    assert covers(entries, "127.0.0.1:8002") is None
    assert covers(entries, "127.0.0.1") is None
    assert normalise_entry("HTTPS://Ally.Example./") == "ally.example"
    assert normalise_entry("127.0.0.1:8001") == "127.0.0.1:8001"
    for bad in ("", "a b.example", "x.example:99999", "user@x.example", "x.example/path"):
        with pytest.raises(InvalidInput):
            normalise_entry(bad)


def test_a_snapshot_refuses_suspended_hosts_and_in_allowlist_mode_all_others() -> None:
    policy = Policy(suspended=frozenset({"evil.example"}), allowed=frozenset({"ally.example"}))
    assert policy.refusal("x.evil.example") == "evil.example is blocked on this node"
    assert policy.refusal("stranger.example") is None
    locked = Policy(
        settings=FederationSettings(ALLOWLIST),
        suspended=frozenset({"ally.example"}),
        allowed=frozenset({"ally.example", "friend.example"}),
    )
    assert locked.refusal("stranger.example:443") == (
        "stranger.example:443 is not on this node's allowlist"
    )
    assert locked.refusal("social.friend.example") is None
    assert locked.refusal("ally.example") == "ally.example is blocked on this node"  # block wins


async def test_local_exclusions_win_over_manifests(node: Runtime) -> None:
    async with node.db.transaction() as session:
        await federation_policy.set_allowed(session, "local.example", True, "", node.clock.now())
        await federation_policy.set_allowed(session, "gone.example", False, "", node.clock.now())
        row = AllianceRow(
            url="https://c.example/m",
            state="applied",
            next_fetch_at=node.clock.now(),
            created_at=node.clock.now(),
        )
        session.add(row)
        await session.flush()
        session.add_all(
            AllianceDomainRow(alliance_id=row.id, domain=d) for d in ("gone.example", "m.example")
        )
        await session.flush()
        allowed = await federation_policy.effective_allowlist(session)
    assert allowed == {"local.example", "m.example"}


async def test_a_change_made_elsewhere_is_seen_within_the_refresh_bound(
    node: Runtime, clock: FrozenClock
) -> None:
    before = await node.policy.current()
    assert before.refusal("evil.example") is None
    other = Database(node.settings.database_url)  # as the CLI does, in its own process
    try:
        async with other.transaction() as session:
            fields = BlockFields(severity="suspend")
            await domain_blocks.put(session, "evil.example", fields, clock.now())
    finally:
        await other.close()
    assert (await node.policy.current()).refusal("evil.example") is None  # not a second yet
    async with node.db.transaction() as session:
        fresh = await node.policy.current(session, fresh=True)  # a worker's claim: now
    assert fresh.refusal("evil.example") is not None
    node.policy.invalidate()
    clock.advance(POLICY_REFRESH)
    assert (await node.policy.current()).version == fresh.version


async def test_a_silence_or_noop_block_leaves_federation_on(node: Runtime) -> None:
    now = node.clock.now()
    async with node.db.transaction() as session:
        await domain_blocks.put(session, "loud.example", BlockFields("silence"), now)
        await domain_blocks.put(session, "pics.example", BlockFields("noop", True), now)
    node.policy.invalidate()
    policy = await node.policy.current()
    assert policy.refusal("loud.example") is None and policy.is_silenced("a.loud.example")
    assert policy.refusal("pics.example") is None and policy.rejects_media("pics.example")


async def test_the_audit_log_refuses_updates_and_deletes(node: Runtime) -> None:
    async with node.db.transaction() as session:
        await audit.record(session, WHO, "federation.mode", "node", node.clock.now(), {"to": "x"})
    for statement in ("UPDATE audit_log SET who = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with node.db.transaction() as session:
                await session.execute(text(statement))
    async with node.db.transaction() as session:
        [entry] = await audit.entries(session)
    assert (entry.who, entry.action, entry.details) == (WHO, "federation.mode", {"to": "x"})
