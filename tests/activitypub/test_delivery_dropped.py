"""A kept-alive connection that the peer closes as the next request leaves (its keep-alive
timeout, late on a busy server) costs no retry minute: the attempt is made again at once, on a
new connection. A raw loopback server answers the first request of each connection and drops
the connection at the second, without an answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from node.activitypub.delivery import HostClients, Signers, Verdict
from node.activitypub.keys import KeyPair, generate_key_pair
from node.clock import FrozenClock
from tests.activitypub.test_delivery import NOW, post, settings


@dataclass
class OneShot:
    """Answers 202 to the first request of a connection, drops it at the second (at the
    first too, when `drop_all`)."""

    drop_all: bool = False
    port: int = 0
    connections: int = 0
    requests: list[int] = field(default_factory=list)  # the connection of each request
    dropped: int = 0

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/inbox"


async def read_request(reader: asyncio.StreamReader) -> bool:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return True


@contextlib.asynccontextmanager
async def one_shot() -> AsyncIterator[OneShot]:
    server_state = OneShot()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        server_state.connections += 1
        number = server_state.connections
        served = 0
        try:
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                while await read_request(reader):
                    server_state.requests.append(number)
                    if served or server_state.drop_all:
                        server_state.dropped += 1
                        break
                    served += 1
                    writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    handlers: set[asyncio.Task[None]] = set()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    server_state.port = server.sockets[0].getsockname()[1]
    try:
        yield server_state
    finally:
        server.close()
        await server.wait_closed()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)


@pytest.fixture(scope="module")
def pem() -> str:
    pair: KeyPair = generate_key_pair()
    return pair.private_pem


@pytest.fixture
async def clients(tmp_path: Path) -> AsyncIterator[HostClients]:
    pools = HostClients(settings(tmp_path), FrozenClock(NOW), per_host=1)
    yield pools
    await pools.aclose()


async def test_a_connection_dropped_before_an_answer_is_tried_again_at_once(
    clients: HostClients, pem: str
) -> None:
    signers = Signers(FrozenClock(NOW))
    async with one_shot() as peer:
        first = await post(clients, peer.url(), signers, pem)
        second = await post(clients, peer.url(), signers, pem)  # on the kept connection
    assert (first.verdict, second.verdict) == (Verdict.DELIVERED, Verdict.DELIVERED)
    assert peer.dropped == 1
    assert peer.requests == [1, 1, 2]  # the second went again, on a new connection


async def test_a_peer_that_drops_every_request_is_retried_later(
    clients: HostClients, pem: str
) -> None:
    async with one_shot() as peer:
        peer.drop_all = True
        outcome = await post(clients, peer.url(), Signers(FrozenClock(NOW)), pem)
    assert outcome.verdict is Verdict.RETRY and outcome.status is None
    assert outcome.error is not None and outcome.error.startswith("FetchDropped")
    assert peer.requests == [1, 2]  # once more at once, then no more
