"""A key fetch that times out rests that key, not its origin: a peer that is slow under load
(one `serve` hosting many organisations, answering one key late) still has its other actors'
keys fetched; a server that never answers still costs no more than its origin's share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from starlette.types import Receive, Scope, Send

from node.clock import SystemClock
from node.federation.key_fetches import Budget
from tests.federation.test_key_fetches import (
    PATIENT,
    SHORT,
    like,
    post_with_key,
    served_node,
    tarpit,
    until,
)
from tests.support.peers import PeerHost, post_as
from tests.support.servers import serve


@contextlib.asynccontextmanager
async def slow_for(host: PeerHost, path: str) -> AsyncIterator[tuple[asyncio.Event, list[str]]]:
    """`host` served on loopback, answering GETs of `path` (listed as they arrive) only once
    the event is set."""
    released = asyncio.Event()
    asked: list[str] = []
    inner = host.app()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == path and scope["method"] == "GET":
            asked.append(path)
            await released.wait()
        await inner(scope, receive, send)

    async with serve(app) as base:
        host.host = base.removeprefix("http://")
        try:
            yield released, asked
        finally:
            released.set()


async def test_a_slow_key_rests_alone_and_its_origin_still_serves_others(
    tmp_path: Path, db_url: str
) -> None:
    peers = PeerHost("placeholder", scheme="http")
    async with slow_for(peers, "/users/slow") as (released, asked):
        slow, bob = peers.actor("slow"), peers.actor("bob")
        async with served_node(tmp_path, db_url) as served:
            served.node.key_fetches.budget = Budget(deadline=SHORT)
            inbox = f"{served.base}/inbox"
            target = f"{served.base}/users/alpha"
            late = await post_as(served.http, slow, inbox, like(slow.iri, 1, target), now())
            assert late.status_code == 503, late.text
            assert late.headers["Retry-After"] == "10"  # SLOW_TTL: the key rests that long
            assert "could not be fetched in time" in late.json()["error"]
            # the same origin answers another actor's key: it is fetched, the request accepted
            answer = await post_as(served.http, bob, inbox, like(bob.iri, 2, target), now())
            assert answer.status_code == 202, answer.text
            assert bob.iri in peers.gets
            # the key that timed out rests: not asked again for a while
            released.set()
            again = await post_as(served.http, slow, inbox, like(slow.iri, 3, target), now())
            assert again.status_code == 503 and "lately" in again.json()["error"]
            # what is left of the key's 10 s rest: not the origin's minute, not the busy 5 s
            rest = int(again.headers["Retry-After"])
            assert 1 <= rest <= 10 and "in time" not in again.json()["error"]
            assert asked == ["/users/slow"]


async def test_a_silent_server_after_a_timeout_still_holds_only_its_share(
    tmp_path: Path, db_url: str
) -> None:
    async with tarpit() as pit, served_node(tmp_path, db_url) as served:
        served.node.key_fetches.budget = Budget(deadline=SHORT)
        first = await post_with_key(served, f"{pit.origin}/users/late#key", 1)
        assert first.status_code == 503 and "in time" in first.json()["error"]
        assert pit.open() == 0
        served.node.key_fetches.budget = Budget(deadline=PATIENT)
        flood = [
            asyncio.create_task(post_with_key(served, f"{pit.origin}/users/u{n}#key", n))
            for n in range(12)
        ]
        # its origin was not barred, but it gets its share only: two fetches and two waiting
        await until(lambda: sum(task.done() for task in flood) >= 8)
        assert sum(task.done() for task in flood) == 8
        assert all("too many keys" in t.result().json()["error"] for t in flood if t.done())
        assert pit.open() == 2
        pit.hang_up()  # now it is unreachable: the origin rests, and that is a 401
        assert {answer.status_code for answer in await asyncio.gather(*flood)} == {503, 401}


async def test_a_key_still_coming_when_the_sender_is_answered_is_cached_for_its_retry(
    tmp_path: Path, db_url: str
) -> None:
    peers = PeerHost("placeholder", scheme="http")
    async with tarpit() as pit, slow_for(peers, "/users/bob") as (released, asked):
        bob = peers.actor("bob")
        async with served_node(tmp_path, db_url) as served:
            # one connection: bob's key waits for it while a silent server holds it
            served.node.key_fetches.budget = Budget(total=1, waiters=1, deadline=2.0)
            holding = asyncio.create_task(post_with_key(served, f"{pit.origin}/u#key", 1))
            await until(lambda: pit.open() == 1)
            inbox, target = f"{served.base}/inbox", f"{served.base}/users/alpha"
            first = await post_as(served.http, bob, inbox, like(bob.iri, 2, target), now())
            # answered within the deadline and a bit, though the fetch it started goes on
            assert first.status_code == 503, first.text
            assert "still being fetched" in first.json()["error"]
            assert first.headers["Retry-After"] == "5"
            assert asked == ["/users/bob"]
            released.set()
            await until(lambda: served.node.key_fetches.in_flight == 0)
            retry = await post_as(served.http, bob, inbox, like(bob.iri, 2, target), now())
            assert retry.status_code == 202, retry.text
            assert asked == ["/users/bob"]  # the key came with the first fetch
            assert (await holding).status_code == 503


async def test_closing_the_node_ends_the_fetches_still_going_on(
    tmp_path: Path, db_url: str
) -> None:
    async with tarpit() as pit, served_node(tmp_path, db_url) as served:
        asking = asyncio.create_task(post_with_key(served, f"{pit.origin}/users/u#key", 1))
        await until(lambda: pit.open() == 1)
        await served.node.key_fetches.aclose()
        answer = await asking
        assert answer.status_code == 503 and "closing" in answer.json()["error"]
        assert served.node.key_fetches.in_flight == 0
        await until(lambda: pit.open() == 0)  # its connection closed with it


def now() -> datetime:
    return SystemClock().now()


@pytest.fixture(autouse=True)
def quiet_uvicorn_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="uvicorn.error")
