"""Large bodies are parsed and their bounds checked in the screening thread, not on the event
loop, with the same answers as small ones: accepted and stored as sent when within the bounds,
refused with the bound's 400 when past it; small bodies stay on the loop."""

from __future__ import annotations

import json
from typing import Any

import httpx

from node.activitypub.jsonld_bounds import MAX_VALUES
from node.federation.normalizing import OFF_LOOP_BYTES
from node.federation.runtime import Runtime
from tests.federation.test_normalizing import AS2, INBOX, like, remote, stored
from tests.support.peers import PeerHost, post_as

__all__ = ["remote"]  # the fixture


def padded(actor: str, n: int, values: int) -> dict[str, Any]:
    """About `values` values: three per tag (the item and its two entries)."""
    tags = [{"type": "Hashtag", "name": f"#t{i}"} for i in range(values // 3)]
    return like(actor, n, AS2, tag=tags)


async def test_large_bodies_are_screened_off_the_loop_alike(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: PeerHost
) -> None:
    eve = remote.actor("eve")
    small = like(eve.iri, 1, AS2)
    assert (await post_as(client, eve, INBOX, small, node.clock.now())).status_code == 202
    assert node.normalizer.screened_off_loop == 0
    within = padded(eve.iri, 2, MAX_VALUES - 30)
    assert len(json.dumps(within)) > OFF_LOOP_BYTES
    answer = await post_as(client, eve, INBOX, within, node.clock.now())
    assert answer.status_code == 202, answer.text
    assert node.normalizer.screened_off_loop == 1
    past = padded(eve.iri, 3, MAX_VALUES + 30)
    answer = await post_as(client, eve, INBOX, past, node.clock.now())
    assert answer.status_code == 400
    assert f"more than {MAX_VALUES} values" in answer.json()["error"]
    assert node.normalizer.screened_off_loop == 2
    documents = await stored(node)
    assert [d["id"] for d in documents] == [small["id"], within["id"]]
    assert documents[1]["tag"] == within["tag"]
