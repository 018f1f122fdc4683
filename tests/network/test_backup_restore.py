"""`backup` of a running node, `restore` into a new data directory, on SQLite and PostgreSQL:
the restored node answers with the same actors and keys, a follower's signed fetch of a
followers-only strategy verifies (its key and its follow came back), and what the restored node
signs and sends is accepted by the follower with the key it had cached before the backup.

Two `serve` processes on loopback: the origin (alpha) and a follower node (beta) that follows
it through the API. The restored origin runs on the origin's port, as a moved node would.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from node.activitypub.keys import load_private_key
from node.activitypub.signatures import sign_request
from node.storage import actors
from node.urls import key_id
from tests.support.pg_databases import empty_database
from tests.support.processes import HTTP_TIMEOUT, LoopbackNode, loopback_nodes, wait_until

TIMEOUT = 30.0
AS2 = "application/activity+json"


@contextlib.contextmanager
def databases(engine: str) -> Iterator[tuple[str | None, str | None]]:
    """The origin's database and an empty one to restore into (None, None: SQLite)."""
    if engine == "sqlite":
        yield None, None
        return
    with empty_database("sn_backup") as first, empty_database("sn_restored") as second:
        yield first, second


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_restored_node_is_the_same_node_to_its_followers(engine: str, tmp_path: Path) -> None:
    with databases(engine) as (database, restore_into), loopback_nodes(tmp_path) as new:
        origin, follower = new("origin"), new("follower")
        origin.init(database)
        follower.init()
        origin.add_org("alpha", "Alpha")
        follower.add_org("beta", "Beta")
        origin.serve()
        follower.serve()
        secret = set_up_a_follow_and_a_private_strategy(origin, follower)
        before = {path: origin.as2(path) for path in ("/users/alpha", "/actor")}

        archive = tmp_path / "backup.tar.gz"
        said = origin.cli("backup", str(archive))  # while the origin serves
        assert "Backup written" in said and archive.stat().st_mode & 0o077 == 0
        origin.stop()

        restored = LoopbackNode("restored", tmp_path / "restored", origin.port, tmp_path)
        restored.tokens = origin.tokens  # they are in the restored database
        extra = ["--database-url", restore_into] if restore_into else []
        said = restored.cli("restore", str(archive), *extra)
        assert f"Restored {origin.base_url}" in said
        try:
            restored.serve()
            assert {path: restored.as2(path) for path in before} == before
            check_the_follower_reads_what_only_followers_may(restored, follower, secret)
            check_the_follower_accepts_what_the_restored_node_sends(restored, follower)
        finally:
            restored.stop()


def set_up_a_follow_and_a_private_strategy(origin: LoopbackNode, follower: LoopbackNode) -> str:
    made = follower.api("POST", "/follows", "beta", json={"target": origin.handle("alpha")})
    assert made.status_code == 202, made.text

    def accepted() -> bool:
        found = follower.api("GET", "/follows", "beta").json()["follows"]
        return [f["state"] for f in found] == ["accepted"]

    wait_until(
        accepted, "beta's follow to be accepted", [origin.running, follower.running], TIMEOUT
    )
    body = {"title": "For our followers", "content": "Meet at noon.", "visibility": "followers"}
    made = origin.api("POST", "/strategies", "alpha", json=body)
    assert made.status_code == 201, made.text
    secret: str = made.json()["id"]
    return secret


def signed_get(url: str, signer: str, private_key_pem: str) -> httpx.Response:
    headers = {"Accept": AS2}
    signed = sign_request(
        "GET",
        url,
        headers,
        None,
        key_id(signer),
        load_private_key(private_key_pem),
        datetime.now(UTC),
    )
    return httpx.get(url, headers=headers | signed, timeout=HTTP_TIMEOUT)


def check_the_follower_reads_what_only_followers_may(
    restored: LoopbackNode, follower: LoopbackNode, secret: str
) -> None:
    beta = follower.query(lambda session: actors.by_username(session, "beta"))
    unsigned = httpx.get(secret, headers={"Accept": AS2}, timeout=HTTP_TIMEOUT)
    assert unsigned.status_code == 401  # followers only: a signature is asked for
    answer = signed_get(secret, follower.actor("beta"), beta.private_key_pem)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == secret


def check_the_follower_accepts_what_the_restored_node_sends(
    restored: LoopbackNode, follower: LoopbackNode
) -> None:
    body = {"title": "After the move", "content": "We are back."}
    made = restored.api("POST", "/strategies", "alpha", json=body)
    assert made.status_code == 201, made.text

    def arrived() -> bool:
        items = follower.api("GET", "/timeline", "beta").json()["items"]
        return "After the move" in {item.get("title") for item in items}

    processes = [restored.running, follower.running]
    wait_until(arrived, "the new strategy in beta's timeline", processes, TIMEOUT)
