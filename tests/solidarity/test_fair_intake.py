"""Fair intake: the backlog limit applies per remote host as well as node-wide, so one sender
cannot close the inbox to everyone; items waiting for a retry do not count against either."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from node.clock import FrozenClock
from node.config import Settings, settings_from_mapping
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.storage import inbox_items
from tests.support.actors import RemoteHost, create_note, hosted, post_signed
from tests.support.router import HostRouter

SHARED = "https://node.test/inbox"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, inbox_queue_limit=4, inbox_host_queue_limit=2)


@pytest.fixture
def other(router: HostRouter) -> RemoteHost:
    return hosted(router, "other.test")


async def states(node: Runtime) -> dict[str, int]:
    async with node.db.transaction() as session:
        return await inbox_items.count_by_state(session)


async def test_one_host_cannot_close_the_inbox_to_everyone(
    client: httpx.AsyncClient,
    node: Runtime,
    clock: FrozenClock,
    remote: RemoteHost,
    other: RemoteHost,
) -> None:
    bob, carl, dana = remote.actor("bob"), remote.actor("carl"), other.actor("dana")
    for n, sender in enumerate((bob, carl)):
        answer = await post_signed(
            client, sender, SHARED, create_note(sender, f"n{n}"), clock.now()
        )
        assert answer.status_code == 202, answer.text
    refused = await post_signed(client, bob, SHARED, create_note(bob, "third"), clock.now())
    assert refused.status_code == 503
    assert (
        "from remote.test" in refused.json()["error"]
        and "limit 2 per host" in refused.json()["error"]
    )
    welcome = await post_signed(client, dana, SHARED, create_note(dana, "d"), clock.now())
    assert welcome.status_code == 202, welcome.text
    assert await states(node) == {"pending": 3}


async def test_items_waiting_for_a_retry_do_not_count(
    client: httpx.AsyncClient,
    node: Runtime,
    clock: FrozenClock,
    remote: RemoteHost,
    other: RemoteHost,
    router: HostRouter,
) -> None:
    senders = [remote.actor("bob"), remote.actor("carl"), other.actor("dana"), other.actor("ed")]
    for n, sender in enumerate(senders):
        activity = create_note(sender, f"r{n}")
        activity["object"] = activity["object"]["id"]  # by reference: fetched in the worker
        answer = await post_signed(client, sender, SHARED, activity, clock.now())
        assert answer.status_code == 202, answer.text
    router.down |= {"remote.test", "other.test"}  # their objects cannot be fetched now
    await build_worker(node).run_until_idle()
    assert await states(node) == {"pending": 4}  # each waits for its retry: the node's limit
    clock.advance(inbox_items.COUNT_EVERY)
    router.down.clear()
    fred = other.actor("fred")
    answer = await post_signed(client, fred, SHARED, create_note(fred, "fresh"), clock.now())
    assert answer.status_code == 202, answer.text


def test_the_per_host_limit_is_a_tenth_unless_set(tmp_path: Any) -> None:
    raw = {"base_url": "https://node.test"}
    assert settings_from_mapping(tmp_path, raw, {}).inbox_host_limit == 1_000
    env = {"SN_INBOX_QUEUE_LIMIT": "50", "SN_INBOX_HOST_QUEUE_LIMIT": "7"}
    assert settings_from_mapping(tmp_path, raw, env).inbox_host_limit == 7
    assert settings_from_mapping(tmp_path, raw, {"SN_INBOX_QUEUE_LIMIT": "5"}).inbox_host_limit == 1
