"""One delivery attempt against real loopback sinks: signing, classification, backoff."""

from __future__ import annotations

import random
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from node.activitypub import delivery
from node.activitypub.delivery import (
    MAX_ATTEMPTS,
    HostClients,
    Outcome,
    Signers,
    Verdict,
    attempt,
    backoff,
    classify_status,
    retry_delay,
)
from node.activitypub.fetch import PostResult
from node.activitypub.keys import KeyPair, generate_key_pair, load_public_key
from node.clock import FrozenClock
from node.config import FetchLimits, Settings
from tests.support.sinks import Sink, serve_sink

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
KEY_ID = "https://node.test/users/alpha#main-key"
BODY = b'{"id":"https://node.test/activities/1","type":"Create"}'


@pytest.fixture(scope="module")
def pair() -> KeyPair:
    return generate_key_pair()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


def settings(tmp_path: Path, *, private: bool = True) -> Settings:
    return Settings(
        data_dir=tmp_path,
        base_url="https://node.test",
        database_url="sqlite+aiosqlite://",
        allow_private_addresses=private,
        fetch=FetchLimits(connect_timeout=1.0, read_timeout=0.3),
    )


@pytest.fixture
async def sink(pair: KeyPair, clock: FrozenClock) -> AsyncIterator[Sink]:
    keys = {KEY_ID: load_public_key(pair.public_pem)}
    async with serve_sink(Sink(keys, clock), ports=2) as running:
        yield running


@pytest.fixture
async def clients(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[HostClients]:
    pools = HostClients(settings(tmp_path), clock, per_host=2)
    yield pools
    await pools.aclose()


async def post(clients: HostClients, url: str, signers: Signers, pem: str) -> Outcome:
    host = delivery_host(url)
    client = clients.acquire(host)
    try:
        return await attempt(client, url, BODY, signers.get(1, KEY_ID, pem))
    finally:
        await clients.release(host)


def delivery_host(url: str) -> str:
    return url.split("/")[2]


async def test_delivery_is_signed_as_activity_json_and_verified_at_the_sink(
    sink: Sink, clients: HostClients, clock: FrozenClock, pair: KeyPair
) -> None:
    outcome = await post(clients, sink.url(0), Signers(clock), pair.private_pem)
    assert outcome == Outcome(Verdict.DELIVERED, 202)
    (got,) = sink.received
    assert (got.verified, got.key_id, got.body) == (True, KEY_ID, BODY)
    assert got.content_type == "application/activity+json"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (202, Verdict.DELIVERED),
        (400, Verdict.FAILED),
        (401, Verdict.RETRY),
        (403, Verdict.FAILED),
        (404, Verdict.FAILED),
        (408, Verdict.RETRY),
        (410, Verdict.FAILED),
        (413, Verdict.FAILED),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (501, Verdict.FAILED),
        (502, Verdict.RETRY),
        (503, Verdict.RETRY),
        (301, Verdict.RETRY),
    ],
)
async def test_each_status_is_classified_like_mastodon(
    sink: Sink,
    clients: HostClients,
    clock: FrozenClock,
    pair: KeyPair,
    status: int,
    verdict: Verdict,
) -> None:
    sink.answer(sink.hosts[0], status)
    outcome = await post(clients, sink.url(0), Signers(clock), pair.private_pem)
    assert (outcome.verdict, outcome.status) == (verdict, status)
    assert classify_status(status) is verdict
    assert sink.received[0].verified


async def test_retry_after_is_read_from_seconds_and_http_dates(
    sink: Sink, clients: HostClients, clock: FrozenClock, pair: KeyPair
) -> None:
    signers = Signers(clock)
    sink.answer(sink.hosts[0], 429, retry_after="120")
    sink.answer(sink.hosts[1], 503, retry_after="Sat, 21 Nov 2026 14:00:00 GMT")
    limited = await post(clients, sink.url(0), signers, pair.private_pem)
    down = await post(clients, sink.url(1), signers, pair.private_pem)
    assert (limited.verdict, limited.retry_after) == (Verdict.RETRY, 120.0)
    assert (down.verdict, down.retry_after) == (Verdict.RETRY, 7200.0)


async def test_a_hanging_inbox_times_out_and_is_retried(
    sink: Sink, clients: HostClients, clock: FrozenClock, pair: KeyPair
) -> None:
    sink.hang(sink.hosts[0])
    outcome = await post(clients, sink.url(0), Signers(clock), pair.private_pem)
    assert outcome.verdict is Verdict.RETRY and outcome.status is None
    assert outcome.error is not None and outcome.error.startswith("FetchTimeout")
    assert not outcome.host_answered


async def test_a_closed_port_is_retried(
    clients: HostClients, clock: FrozenClock, pair: KeyPair
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = await post(
        clients, f"http://127.0.0.1:{port}/inbox", Signers(clock), pair.private_pem
    )
    assert outcome.verdict is Verdict.RETRY
    assert outcome.error is not None and "ConnectError" in outcome.error


async def test_a_private_address_is_refused_for_good_when_not_allowed(
    tmp_path: Path, clock: FrozenClock, pair: KeyPair
) -> None:
    pools = HostClients(settings(tmp_path, private=False), clock, per_host=1)
    try:
        client = pools.acquire("127.0.0.1:9")
        signer = Signers(clock).get(1, KEY_ID, pair.private_pem)
        outcome = await attempt(client, "http://127.0.0.1:9/inbox", BODY, signer)
    finally:
        await pools.release("127.0.0.1:9")
        await pools.aclose()
    assert outcome.verdict is Verdict.FAILED and not outcome.host_answered
    assert outcome.error is not None and outcome.error.startswith("refused")


def test_error_text_is_a_short_excerpt_of_the_answer() -> None:
    outcome = delivery.outcome_of(PostResult(500, None, "<html>\n  oops " + "x" * 500))
    assert outcome.error is not None
    assert outcome.error.startswith("HTTP 500: <html> oops x")
    assert len(outcome.error) <= len("HTTP 500: ") + delivery.ERROR_EXCERPT


def test_backoff_doubles_from_a_minute_to_a_day_with_bounded_jitter() -> None:
    rng = random.Random(7)
    for failures in range(1, MAX_ATTEMPTS):
        base = min(timedelta(minutes=2 ** (failures - 1)), timedelta(hours=24))
        wait = backoff(failures, rng)
        assert base <= wait <= base * (1 + delivery.JITTER)


def test_the_whole_schedule_takes_about_a_week_and_then_gives_up() -> None:
    rng = random.Random(1)
    waits = [retry_delay(n, None, rng) for n in range(1, MAX_ATTEMPTS)]
    assert all(wait is not None for wait in waits)
    total = sum((wait for wait in waits if wait is not None), timedelta())
    assert timedelta(days=7) <= total <= timedelta(days=9.5)
    assert retry_delay(MAX_ATTEMPTS, None, rng) is None


def test_retry_after_wins_when_longer_but_is_capped() -> None:
    rng = random.Random(3)
    assert retry_delay(1, 3600.0, rng) == timedelta(hours=1)
    assert retry_delay(2, 10 * 86400.0, rng) == delivery.MAX_DELAY
    assert retry_delay(5, 3600.0, rng) == timedelta(hours=1)


def test_a_shorter_retry_after_wins_for_the_first_failures_only() -> None:
    rng = random.Random(3)
    for failures in range(1, delivery.SHORT_RETRIES + 1):
        assert retry_delay(failures, 5.0, rng) == timedelta(seconds=5)
    assert retry_delay(1, 0.0, rng) == delivery.MIN_RETRY_AFTER  # never more often than that
    later = retry_delay(delivery.SHORT_RETRIES + 1, 5.0, rng)
    assert later is not None and later >= timedelta(minutes=2**delivery.SHORT_RETRIES)


def test_signers_parse_each_key_once_and_again_after_rotation(clock: FrozenClock) -> None:
    first, second = generate_key_pair(), generate_key_pair()
    signers = Signers(clock)
    auth = signers.get(1, KEY_ID, first.private_pem)
    assert signers.get(1, KEY_ID, first.private_pem) is auth
    rotated = signers.get(1, KEY_ID, second.private_pem)
    assert rotated is not auth
    assert signers.get(2, KEY_ID, first.private_pem) is not auth


async def test_each_host_gets_its_own_small_pool(tmp_path: Path, clock: FrozenClock) -> None:
    pools = HostClients(settings(tmp_path), clock, per_host=3)
    try:
        a, b = pools.acquire("a.example"), pools.acquire("b.example")
        assert a is not b and pools.acquire("a.example") is a
    finally:
        for host in ("a.example", "b.example", "a.example"):
            await pools.release(host)
        await pools.aclose()


async def test_idle_pools_beyond_the_bound_are_closed(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "MAX_IDLE_HOSTS", 2)
    pools = HostClients(settings(tmp_path), clock, per_host=1)
    try:
        first = pools.acquire("a.example")
        await pools.release("a.example")
        busy = pools.acquire("b.example")  # in use: never closed
        pools.acquire("c.example")
        await pools.release("c.example")  # three pools, bound two: the oldest idle one goes
        assert pools.acquire("a.example") is not first
        assert pools.acquire("b.example") is busy
        for host in ("a.example", "b.example", "b.example"):
            await pools.release(host)
    finally:
        await pools.aclose()
