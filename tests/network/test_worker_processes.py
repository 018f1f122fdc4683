"""`serve` with its inbox worker in a process of its own, on loopback: the child works what the
server stores, is started again when it dies, ends when the server ends (even a killed one),
and gives back what it holds when stopped. SQLite (the default deployment)."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub.keys import generate_key_pair
from node.activitypub.objects import ActorView
from node.storage import inbox_items, remote_actors
from node.storage.remote_actors import RemoteActor
from node.storage.tables import InboxItemRow
from tests.support.actors import FakeActor, create_note, signed_headers
from tests.support.processes import LoopbackNode, loopback_nodes, wait_until

TIMEOUT = 30.0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def ends(pid: int) -> bool:
    """Whether the process ends within TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def known(actor: FakeActor) -> RemoteActor:
    view = ActorView.from_document(actor.document(), actor.key_id)
    return RemoteActor(
        iri=view.iri,
        type=view.type,
        key_id=view.key_id,
        public_key_pem=view.public_key_pem,
        username=view.username,
        name=None,
        inbox=view.inbox,
        shared_inbox=view.shared_inbox,
        followers=view.followers,
        fetched_at=datetime.now(UTC),
        gone=False,
    )


async def leased(session: AsyncSession) -> int:
    """Inbox items some worker holds."""
    held = select(func.count()).where(InboxItemRow.locked_until.is_not(None))
    return int(await session.scalar(held) or 0)


def started(node: LoopbackNode) -> int:
    """The worker process `serve` started."""
    pid = node.running.popen.pid
    return wait_until(lambda: children(pid)[:1], "the worker process", node.running, TIMEOUT)[0]


def test_the_worker_process_works_what_the_server_stores(tmp_path: Path) -> None:
    actor = FakeActor("https://remote.test/users/ana", generate_key_pair())
    with loopback_nodes(tmp_path) as new:
        node = new("a")
        node.init()

        async def remember(session: AsyncSession) -> None:
            await remote_actors.upsert(session, known(actor), actor.document())

        node.query(remember)
        node.serve()
        worker = started(node)
        for n in range(20):
            body = json.dumps(create_note(actor, f"n{n}")).encode()
            url = f"{node.base_url}/inbox"
            headers = signed_headers(actor, url, body, datetime.now(UTC))
            assert httpx.post(url, content=body, headers=headers).status_code == 202

        def processed() -> bool:
            return node.query(inbox_items.count_by_state) == {"done": 20}

        wait_until(processed, "the items to be processed", node.running, TIMEOUT)
        assert alive(worker)
        node.stop()
        assert ends(worker)


def test_a_worker_process_that_dies_is_started_again(tmp_path: Path) -> None:
    with loopback_nodes(tmp_path) as new:
        node = new("a")
        node.init()
        node.serve()
        first = started(node)
        os.kill(first, signal.SIGKILL)
        pid = node.running.popen.pid

        def another() -> list[int]:
            return [child for child in children(pid) if child != first and alive(child)]

        wait_until(another, "another worker process", node.running, TIMEOUT)


def test_the_worker_process_ends_with_a_killed_server(tmp_path: Path) -> None:
    with loopback_nodes(tmp_path) as new:
        node = new("a")
        node.init()
        node.serve()
        worker = started(node)
        server = node.running.popen  # read before the kill: after it, `running` fails
        os.kill(server.pid, signal.SIGKILL)  # the server only, not its group
        server.wait(TIMEOUT)
        assert ends(worker)


def test_a_worker_process_holding_items_ends_with_a_killed_server_and_gives_them_back(
    tmp_path: Path,
) -> None:
    """Items waiting on a host that never answers are in hand when the server is killed: the
    worker process ends all the same (its clean-up is not cancelled again and again by the
    pipe's end of file) and the items are pending again, leased to no one."""
    never = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    never.bind(("127.0.0.1", 0))
    never.listen(64)
    host = f"127.0.0.1:{never.getsockname()[1]}"
    actor = FakeActor(f"http://{host}/users/stuck", generate_key_pair())
    try:
        with loopback_nodes(tmp_path) as new:
            node = new("a")
            node.init()

            async def remember(session: AsyncSession) -> None:
                await remote_actors.upsert(session, known(actor), actor.document())

            node.query(remember)
            node.serve()
            worker = started(node)
            for n in range(5):
                create = {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": f"{actor.iri}/activities/{n}",
                    "type": "Create",
                    "actor": actor.iri,
                    "object": f"{actor.iri}/notes/{n}",  # to be fetched: never answered
                }
                body = json.dumps(create).encode()
                url = f"{node.base_url}/inbox"
                headers = signed_headers(actor, url, body, datetime.now(UTC))
                assert httpx.post(url, content=body, headers=headers).status_code == 202

            def in_hand() -> bool:
                return node.query(leased) > 0

            wait_until(in_hand, "the worker to take the items", node.running, TIMEOUT)
            server = node.running.popen  # read before the kill: after it, `running` fails
            os.kill(server.pid, signal.SIGKILL)
            server.wait(TIMEOUT)
            assert ends(worker)
            assert node.query(leased) == 0
            assert node.query(inbox_items.count_by_state) == {"pending": 5}
    finally:
        never.close()
