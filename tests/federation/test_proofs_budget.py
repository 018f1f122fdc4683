"""Activities that come without an HTTP signature, authenticated by their actor's integrity
proof (FEP-8b32), name the actor whose key must be fetched: any request can name any actor, so
that fetch is made within the key-fetch budget, as for HTTP signatures' keys. A server that
accepts connections and never answers holds two of its connections, not the node's own pool:
the rest are asked at once to come back later, and the API's fetches still go through."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from node.activitypub import integrity
from node.clock import SystemClock
from node.federation.key_fetches import PER_ORIGIN
from tests.federation.test_key_fetches import Served, served_node, tarpit, until
from tests.support.peers import PeerHost
from tests.support.servers import serve

AS2 = "https://www.w3.org/ns/activitystreams"
DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v1"


async def post_with_proof(served: Served, actor: str, n: int) -> int:
    """An unsigned Like carrying a proof by `actor`'s assertion key (made with some key)."""
    like = {
        "@context": [AS2, DATA_INTEGRITY],
        "id": f"{actor}/likes/{n}",
        "type": "Like",
        "actor": actor,
        "object": f"{served.base}/users/alpha",
    }
    signed = integrity.sign(like, KEY, f"{actor}#ed25519-key", SystemClock().now())
    headers = {"Content-Type": "application/activity+json"}
    answer = await served.http.post("/inbox", content=json.dumps(signed), headers=headers)
    return answer.status_code


KEY = integrity.load_private(integrity.generate()[0])


async def test_a_proofs_actor_is_fetched_within_the_key_fetch_budget(
    tmp_path: Path, db_url: str
) -> None:
    honest = PeerHost("placeholder", scheme="http")
    async with tarpit() as pit, serve(honest.app()) as honest_base:
        honest.host = honest_base.removeprefix("http://")
        bob = honest.actor("bob")
        async with served_node(tmp_path, db_url) as served:
            flood = [
                asyncio.create_task(post_with_proof(served, f"{pit.origin}/users/u{n}", n))
                for n in range(12)
            ]
            # the origin's share: two fetches at once and two waiting; the rest asked to come
            # back later (503), at once
            await until(lambda: sum(task.done() for task in flood) >= 8)
            assert {task.result() for task in flood if task.done()} == {503}
            assert pit.open() == PER_ORIGIN
            headers = {"Authorization": f"Bearer {served.token}"}
            follow = await served.http.post(
                "/api/v1/follows", json={"target": bob.iri}, headers=headers
            )
            assert follow.status_code == 202, follow.text
            pit.hang_up()  # no key came: refused (401), or its origin resting (503)
            assert set(await asyncio.gather(*flood)) <= {401, 503}
