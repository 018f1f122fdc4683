"""Per-host inbox rate limits: a flood from one host is answered 429 with Retry-After, while
another node's deliveries to the same inbox still succeed; a forged signature naming the
flooding host's key spends nothing; the budget refills with time. Never keyword rules.

Full nodes in one process (support.network) and a flooding host with real keys.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.activitypub.keys import generate_key_pair
from node.clock import FrozenClock
from node.errors import TooManyRequests
from node.federation.inbox_limits import InboxRateLimit
from tests.support.actors import FakeActor, create_note, hosted, post_signed
from tests.support.network import Network

LIMIT = 5
START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_the_bucket_refills_over_the_hour_and_names_the_wait() -> None:
    clock = FrozenClock(START)
    limits = InboxRateLimit(3600, clock, max_hosts=2)
    for _ in range(3600):
        limits.admit("flood.test")
    try:
        limits.admit("flood.test")
    except TooManyRequests as exc:
        assert exc.retry_after == 1
    else:
        raise AssertionError("the 3601st activity of the hour was admitted")
    clock.advance(timedelta(seconds=1))
    limits.admit("flood.test")
    limits.admit("other.test")
    limits.admit("third.test")  # at most two hosts tracked: a full bucket made room
    assert limits.refused == 1


async def test_a_flood_gets_429_while_another_nodes_deliveries_succeed(network: Network) -> None:
    a, b = await network.add("a"), await network.add("b")
    alpha = await a.add_org("alpha")
    await b.add_org("beta")
    a.node.inbox_limits = InboxRateLimit(LIMIT, network.clock)
    flooder = hosted(network.router, "flood.test").actor("flood")
    inbox = f"{a.base}/inbox"
    now = network.clock.now()

    # forged signatures with flood.test's key id spend nothing of its budget
    forger = FakeActor(flooder.iri, generate_key_pair())
    for n in range(3):
        forged = await post_signed(a.client, forger, inbox, create_note(flooder, f"f{n}"), now)
        assert forged.status_code == 401
    answers = [
        (await post_signed(a.client, flooder, inbox, create_note(flooder, f"n{n}"), now))
        for n in range(LIMIT + 2)
    ]
    assert [r.status_code for r in answers] == [202] * LIMIT + [429, 429]
    assert answers[-1].headers["retry-after"] == str(3600 // LIMIT)
    assert "flood.test" in answers[-1].json()["error"]

    # b is another host: its follow and its call reach a as ever
    await b.api("POST", "/follows", "beta", json={"target": alpha})
    await network.settle()
    assert [f["state"] for f in (await b.api("GET", "/follows", "beta")).json()["follows"]] == [
        "accepted"
    ]

    network.clock.advance(timedelta(seconds=3600 // LIMIT))
    later = await post_signed(
        a.client, flooder, inbox, create_note(flooder, "later"), network.clock.now()
    )
    assert later.status_code == 202
