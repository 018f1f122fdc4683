"""Inbox backpressure: over SN_INBOX_QUEUE_LIMIT pending items the inbox answers 503 with
Retry-After and stores nothing; everything it accepted is processed. Really signed requests.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from node.clock import FrozenClock
from node.config import Settings, settings_from_mapping
from node.errors import ConfigError
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.storage import inbox_items
from tests.support.actors import RemoteHost, create_note, post_signed

SHARED = "https://node.test/inbox"
LIMIT = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, inbox_queue_limit=LIMIT)


async def states(node: Runtime) -> dict[str, int]:
    async with node.db.transaction() as session:
        return await inbox_items.count_by_state(session)


async def test_over_the_limit_answers_503_and_accepted_items_are_all_processed(
    client: httpx.AsyncClient, node: Runtime, clock: FrozenClock, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    for key in range(LIMIT):
        accepted = await post_signed(client, bob, SHARED, create_note(bob, f"n{key}"), clock.now())
        assert accepted.status_code == 202, accepted.text

    refused = await post_signed(client, bob, SHARED, create_note(bob, "late"), clock.now())
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == str(inbox_items.RETRY_AFTER_SECONDS)
    assert "limit 3" in refused.json()["error"]
    assert await states(node) == {"pending": LIMIT}

    await build_worker(node).run_until_idle()
    assert await states(node) == {"done": LIMIT}
    clock.advance(inbox_items.COUNT_EVERY)  # the next request counts again
    again = await post_signed(client, bob, SHARED, create_note(bob, "late"), clock.now())
    assert again.status_code == 202, again.text
    await build_worker(node).run_until_idle()
    assert await states(node) == {"done": LIMIT + 1}


async def test_the_count_is_cached_between_counts(
    client: httpx.AsyncClient, node: Runtime, clock: FrozenClock, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    for key in range(LIMIT):
        await post_signed(client, bob, SHARED, create_note(bob, f"n{key}"), clock.now())
    await build_worker(node).run_until_idle()
    clock.advance(timedelta(milliseconds=500))
    still = await post_signed(client, bob, SHARED, create_note(bob, "x"), clock.now())
    assert still.status_code == 503  # processed meanwhile, but not counted again yet


def test_the_limit_comes_from_the_environment(tmp_path: Any) -> None:
    raw = {"base_url": "https://node.test"}
    assert settings_from_mapping(tmp_path, raw, {}).inbox_queue_limit == 10_000
    env = {"SN_INBOX_QUEUE_LIMIT": "250"}
    assert settings_from_mapping(tmp_path, raw, env).inbox_queue_limit == 250
    with pytest.raises(ConfigError, match="SN_INBOX_QUEUE_LIMIT"):
        settings_from_mapping(tmp_path, raw, {"SN_INBOX_QUEUE_LIMIT": "0"})
