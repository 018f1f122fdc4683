"""Two nodes that do not follow each other exchange calls through a real activityrelay.

Each node subscribes its instance actor with `solidarity-node relay add` (one Mastodon-style, by
the relay's inbox; one LitePub-style, by its actor); the relay accepts, both appear among its
subscribers; a public call published on either node reaches the other through the relay's
Announce (fetched from its origin), its revision and its deletion through the relay's forwards;
a followers-only call is never sent to the relay; `relay remove` unsubscribes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.tables import FollowRow
from tests.interop.interop_harness import LiveNode, start_node
from tests.interop.node_state import (
    delivery_rows,
    eventually,
    read_database,
    stored_object,
    token_for,
)
from tests.interop.relay_harness import Relay, running_relay
from tests.support.tls import TestPki, make_test_pki

RELAY, NODE_A, NODE_B = "127.0.0.4", "127.0.0.2", "127.0.0.3"


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    return make_test_pki(tmp_path / "pki", addresses=[RELAY, NODE_A, NODE_B])


@pytest.fixture
def network(tmp_path: Path, pki: TestPki) -> Iterator[tuple[Relay, LiveNode, LiveNode]]:
    with running_relay(pki, tmp_path, RELAY) as relay, ExitStack() as stack:
        a = start_node(pki, tmp_path, "a", {"alpha": ("Alpha", "")}, address=(NODE_A, 443))
        stack.callback(a.process.stop)
        b = start_node(pki, tmp_path, "b", {"beta": ("Beta", "")}, address=(NODE_B, 443))
        stack.callback(b.process.stop)
        yield relay, a, b


def relay_state(node: LiveNode) -> list[str]:
    return [line.split("\t")[1] for line in node.cli("relay", "list").splitlines()]


def publish_call(
    node: LiveNode, org: str, title: str, tmp: Path, visibility: str = "public"
) -> str:
    text = tmp / f"{title}.md"
    text.write_text(f"{title}: come to the court hearing.\n")
    deadline = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%MZ")
    out = node.cli(
        "call", "publish", org, str(text), "--title", title, "--deadline", deadline,
        "--region", "DE", "--visibility", visibility,
    )  # fmt: skip
    return out.strip().splitlines()[-1]


def follows_between(node: LiveNode) -> int:
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(FollowRow)) or 0)

    return read_database(node, count)


def test_two_nodes_exchange_calls_through_activityrelay(
    network: tuple[Relay, LiveNode, LiveNode], tmp_path: Path
) -> None:
    relay, a, b = network
    assert "pending" in a.cli("relay", "add", relay.inbox)
    assert "pending" in b.cli("relay", "add", relay.actor, "--style", "litepub")
    for node in (a, b):
        eventually(lambda n=node: relay_state(n) == ["accepted"], "the relay's Accept", node)
    subscribers = relay.subscribers()
    assert f"{a.base_url}/actor" in subscribers and f"{b.base_url}/actor" in subscribers

    call_a = publish_call(a, "alpha", "Eviction", tmp_path)
    got = eventually(lambda: stored_object(b, call_a), "a's call on b through the relay", b)
    assert got.kind == "call" and got.actor_iri == a.actors["alpha"]
    call_b = publish_call(b, "beta", "Strike", tmp_path)
    eventually(lambda: stored_object(a, call_b), "b's call on a through the relay", a)
    assert follows_between(a) == 0 and follows_between(b) == 0

    key = call_a.rsplit("/", 1)[1]
    token = token_for(a, "alpha")
    with a.client() as client:
        headers = {"Authorization": f"Bearer {token}"}
        change = {"title": "Eviction moved"}
        revised = client.patch(f"/api/v1/calls/{key}", json=change, headers=headers)
        assert revised.status_code == 200, revised.text
    eventually(
        lambda: (o := stored_object(b, call_a)) and o.fields.title == "Eviction moved",
        "the revision forwarded by the relay",
        b,
    )
    with a.client() as client:
        assert client.delete(f"/api/v1/calls/{key}", headers=headers).status_code in (200, 204)
    eventually(
        lambda: (o := stored_object(b, call_a)) and o.deleted_at is not None,
        "the deletion forwarded by the relay",
        b,
    )

    private = publish_call(a, "alpha", "Internal", tmp_path, visibility="followers")
    rows = [r for r in delivery_rows(a) if r["activity"].startswith(private)]
    assert all(not r["inbox"].startswith(relay.base_url) for r in rows)

    assert "Removed relay" in a.cli("relay", "remove", relay.inbox)
    eventually(lambda: f"{a.base_url}/actor" not in relay.subscribers(), "the Undo at the relay", a)
    assert a.cli("relay", "list").strip() == ""
