"""Key fetches for unauthenticated requests cannot starve anything: a node on loopback, a
server that accepts connections and never answers (the review's attack: keyIds pointing at
it), and an honest peer whose first request still gets through, as do the API's fetches.
Refusals for a busy budget or a slow key are 503 with a short Retry-After; a key that could not
be had is 401."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from node.app import create_app
from node.clock import SystemClock
from node.config import Settings
from node.federation.instance_actor import ensure_instance_actor
from node.federation.key_fetches import Budget
from node.federation.runtime import Runtime, make_runtime
from node.solidarity import organisations
from tests.support.peers import PeerHost, post_as, signed_post_headers
from tests.support.servers import running, serve

PATIENT = 60.0  # a deadline no test reaches: the tarpit is let go by the test itself
SHORT = 1.0  # a deadline to see run out


@dataclass
class Tarpit:
    """Accepts connections, reads what comes, never answers."""

    port: int
    connections: list[asyncio.StreamWriter] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open(self) -> int:
        return sum(not writer.is_closing() for writer in self.connections)

    def hang_up(self) -> None:
        for writer in self.connections:
            writer.close()


@contextlib.asynccontextmanager
async def tarpit() -> AsyncIterator[Tarpit]:
    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        found.connections.append(writer)
        with contextlib.suppress(ConnectionError):
            while await reader.read(4096):
                pass
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    found = Tarpit(server.sockets[0].getsockname()[1])
    try:
        yield found
    finally:
        for writer in found.connections:
            writer.close()
        server.close()


@dataclass
class Served:
    node: Runtime
    base: str
    http: httpx.AsyncClient
    token: str


@contextlib.asynccontextmanager
async def served_node(tmp_path: Path, db_url: str) -> AsyncIterator[Served]:
    """A node on a loopback port of its own, really talking to the network (no router)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        data_dir=tmp_path, base_url=base, database_url=db_url, allow_private_addresses=True
    )
    node = make_runtime(settings, clock=SystemClock())
    await ensure_instance_actor(node.db, node.clock, node.urls)
    await node.start()
    node.key_fetches.budget = Budget(deadline=PATIENT)
    await organisations.create_organisation(node.db, node.clock, node.urls, "alpha")
    token = await organisations.create_token(node.db, node.clock, "alpha")
    try:
        async with running(create_app(settings, runtime=node), sockets=[sock]):
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                yield Served(node, base, http, token)
    finally:
        await node.close()


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a condition the test brought about."""
    async with asyncio.timeout(PATIENT / 2):
        while not condition():  # noqa: ASYNC110 - polling what other tasks bring about
            await asyncio.sleep(0.01)


def like(actor: str, n: int, target: str) -> dict[str, object]:
    return {"id": f"{actor}/likes/{n}", "type": "Like", "actor": actor, "object": target}


async def post_with_key(served: Served, key_id: str, n: int) -> httpx.Response:
    """A POST whose keyId points where the sender likes (signed with some key)."""
    actor = key_id.partition("#")[0]
    url = f"{served.base}/inbox"
    body = json.dumps(like(actor, n, f"{served.base}/users/alpha")).encode()
    headers = signed_post_headers(SIGNER, url, body, served.node.clock.now())
    headers["Signature"] = headers["Signature"].replace(SIGNER.key_id, key_id)
    return await served.http.post(url, content=body, headers=headers)


SIGNER = PeerHost("signer.test").actor("anyone")


async def test_a_silent_server_cannot_starve_key_fetches(tmp_path: Path, db_url: str) -> None:
    honest = PeerHost("placeholder", scheme="http")
    async with tarpit() as pit, serve(honest.app()) as honest_base:
        honest.host = honest_base.removeprefix("http://")
        bob = honest.actor("bob")
        async with served_node(tmp_path, db_url) as served:
            flood = [
                asyncio.create_task(post_with_key(served, f"{pit.origin}/users/u{n}#key", n))
                for n in range(12)
            ]
            # the origin's share is two fetches at once and two waiting; the rest is refused at once
            await until(lambda: sum(task.done() for task in flood) >= 8)
            done = {task for task in flood if task.done()}
            pending = {task for task in flood if not task.done()}
            assert len(pending) == 4 and len(done) == 8
            assert {task.result().status_code for task in done} == {503}  # busy: soon again
            assert {task.result().headers["Retry-After"] for task in done} == {"5"}
            assert all("too many keys" in task.result().json()["error"] for task in done)
            assert pit.open() == 2
            # meanwhile an honest peer's first request, and the API's own fetches, go through
            target = f"{served.base}/users/alpha"
            honest_answer = await post_as(
                served.http,
                bob,
                f"{served.base}/inbox",
                like(bob.iri, 1, target),
                SystemClock().now(),
            )
            assert honest_answer.status_code == 202, honest_answer.text
            headers = {"Authorization": f"Bearer {served.token}"}
            follow = await served.http.post(
                "/api/v1/follows", json={"target": bob.iri}, headers=headers
            )
            assert follow.status_code == 202, follow.text
            assert len(pending) == 4 and all(not task.done() for task in pending)
            pit.hang_up()  # the two fetches fail; the two waiting find the origin resting
            errors = sorted(answer.json()["error"] for answer in await asyncio.gather(*pending))
            assert [e.startswith("no usable key could be fetched") for e in errors] == [1, 1, 0, 0]
            assert all("lately" in e for e in errors[2:]) and not any("Error" in e for e in errors)
            # and the origin rests: a new key there is refused without a connection
            before = len(pit.connections)
            again = await post_with_key(served, f"{pit.origin}/users/new#key", 99)
            assert again.status_code == 401 and "lately" in again.json()["error"]
            assert len(pit.connections) == before


async def test_a_key_that_never_comes_is_given_up_after_the_deadline(
    tmp_path: Path, db_url: str
) -> None:
    async with tarpit() as pit, served_node(tmp_path, db_url) as served:
        served.node.key_fetches.budget = Budget(deadline=SHORT)
        answer = await post_with_key(served, f"{pit.origin}/users/late#key", 1)
        assert answer.status_code == 503  # slow, not wrong: the sender tries again soon
        assert answer.json()["error"].endswith("could not be fetched in time; try again later")
        assert pit.open() == 0  # the node closed the connection it gave up on


async def test_each_origin_has_its_own_share_and_the_budget_a_total(
    tmp_path: Path, db_url: str
) -> None:
    async with tarpit() as first, tarpit() as second, tarpit() as third:
        async with served_node(tmp_path, db_url) as served:
            budget = Budget(total=4, waiters=0, per_origin=2, deadline=PATIENT)
            served.node.key_fetches.budget = budget
            hanging = [
                asyncio.create_task(post_with_key(served, f"{pit.origin}/u{n}#key", n))
                for pit in (first, second)
                for n in range(2)
            ]
            await until(lambda: first.open() + second.open() == 4)
            # one origin does not share another's: both hold their two at once
            spent = await post_with_key(served, f"{third.origin}/u#key", 7)
            assert spent.status_code == 503, spent.text
            assert "too many unknown keys" in spent.json()["error"]
            assert third.open() == 0
            first.hang_up()
            second.hang_up()
            assert {r.status_code for r in await asyncio.gather(*hanging)} == {401}


async def test_past_the_total_a_request_waits_for_a_connection_then_is_served(
    tmp_path: Path, db_url: str
) -> None:
    async with tarpit() as pit, tarpit() as other, served_node(tmp_path, db_url) as served:
        served.node.key_fetches.budget = Budget(total=1, waiters=1, deadline=PATIENT)
        first = asyncio.create_task(post_with_key(served, f"{pit.origin}/u1#key", 1))
        await until(lambda: pit.open() == 1)
        waiting = asyncio.create_task(post_with_key(served, f"{other.origin}/u2#key", 2))
        await until(lambda: served.node.key_fetches.waiting == 1)
        refused = await post_with_key(served, f"{other.origin}/u3#key", 3)  # no room to wait
        assert refused.status_code == 503 and "too many unknown keys" in refused.json()["error"]
        assert other.open() == 0 and not waiting.done()
        pit.hang_up()  # the first fetch ends: its connection goes to the waiting request
        await until(lambda: other.open() == 1)
        other.hang_up()
        assert {(await first).status_code, (await waiting).status_code} == {401}


async def test_one_key_is_fetched_once_for_many_requests(tmp_path: Path, db_url: str) -> None:
    async with tarpit() as pit, served_node(tmp_path, db_url) as served:
        served.node.key_fetches.budget = Budget(per_origin=1, deadline=PATIENT)
        same_key = f"{pit.origin}/users/one#key"
        asking = [asyncio.create_task(post_with_key(served, same_key, n)) for n in range(5)]
        await until(lambda: pit.open() == 1)
        assert not any(task.done() for task in asking)  # all wait for the one fetch
        pit.hang_up()
        answers = await asyncio.gather(*asking)
        assert {a.status_code for a in answers} == {401}
        assert len(pit.connections) == 1  # the others waited for the one fetch


@pytest.fixture(autouse=True)
def quiet_uvicorn_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="uvicorn.error")
