"""Received documents reach the standard form at a bounded cost, through the real inbox: the
review's signed 154 KB Like with property-scoped contexts is refused with a 400 that says why
(it used to stall the node for 12.6 s); documents that need pyld are read in the JSON-LD
thread, never on the event loop, and only when small; the rest is plain JSON."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest

from node.federation.normalizing import MAX_PROCESSED_VALUES
from node.federation.runtime import Runtime
from node.storage import inbox_items
from tests.support.peers import PeerHost, post_as, serve_peer
from tests.support.router import HostRouter

AS2 = "https://www.w3.org/ns/activitystreams"
INBOX = "https://node.test/inbox"


@pytest.fixture
def remote(router: HostRouter) -> PeerHost:
    return serve_peer(router, "remote.test")


def like(actor: str, n: int, context: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": context,
        "id": f"{actor}/likes/{n}",
        "type": "Like",
        "actor": actor,
        "object": "https://node.test/users/alpha",
    } | extra


async def stored(node: Runtime) -> list[dict[str, Any]]:
    async with node.db.transaction() as session:
        items = await inbox_items.claim(session, node.clock.now(), 100, timedelta(minutes=1))
    return [item.document for item in items]


async def test_the_reviews_scoped_context_like_is_refused(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost
) -> None:
    eve = remote.actor("eve")
    inner = {f"t{i}": f"https://remote.test/ns#t{i}" for i in range(60)}
    context = [AS2, {"x": {"@id": "https://remote.test/ns#x", "@context": inner}}]
    body = like(eve.iri, 1, context, x=[{"x": {"t1": i, "t2": i}} for i in range(4000)])
    answer = await post_as(client, eve, INBOX, body, node.clock.now())
    assert answer.status_code == 400, answer.text
    assert "scoped context" in answer.json()["error"]
    assert await stored(node) == []


async def test_pyld_runs_in_its_own_thread_and_only_for_small_documents(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost
) -> None:
    eve = remote.actor("eve")
    own_meaning = [AS2, {"content": "https://remote.test/ns#content", "toot": "http://x.test/#"}]
    small = like(eve.iri, 1, own_meaning, content="mine", **{"as:summary": "s"})
    answer = await post_as(client, eve, INBOX, small, node.clock.now())
    assert answer.status_code == 202, answer.text
    assert node.normalizer.processed == 1
    assert any(t.name.startswith("jsonld") for t in threading.enumerate())
    [document] = await stored(node)
    assert document["summary"] == "s" and "content" not in document
    large = like(eve.iri, 2, own_meaning, tag=[{"name": str(i)} for i in range(200)])
    answer = await post_as(client, eve, INBOX, large, node.clock.now())
    assert answer.status_code == 400
    assert f"at most {MAX_PROCESSED_VALUES} values" in answer.json()["error"]
    assert node.normalizer.processed == 1


async def test_standard_and_extended_contexts_are_read_as_plain_json(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost
) -> None:
    eve = remote.actor("eve")
    extended = [AS2, {"own": "https://remote.test/ns#", "reaction": "own:reaction"}]
    for n, context in enumerate((AS2, [AS2, "https://w3id.org/security/v1"], extended)):
        body = like(eve.iri, n, context, reaction=":heart:")
        answer = await post_as(client, eve, INBOX, body, node.clock.now())
        assert answer.status_code == 202, answer.text
    assert node.normalizer.processed == 0
    assert all(d["reaction"] == ":heart:" for d in await stored(node))
