"""Wake-ups between a node's processes: sockets beside a SQLite file, NOTIFY on PostgreSQL
(sent with the transaction that stored the rows, so never for a rollback)."""

from __future__ import annotations

import asyncio
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from node.federation.runtime import Runtime
from node.storage import deliveries
from node.storage.db import Database
from node.storage.wakeups import (
    MAX_SOCKET_PATH,
    SocketWakeups,
    Wakeups,
    for_database,
    socket_folder,
)

WAIT = 2.0


@asynccontextmanager
async def listening(wakeups: Wakeups, lanes: list[str]) -> AsyncIterator[asyncio.Queue[str]]:
    heard: asyncio.Queue[str] = asyncio.Queue()
    task = asyncio.create_task(wakeups.listen(lanes, heard.put_nowait))
    await asyncio.sleep(0.2)  # bound or listening
    try:
        yield heard
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def quiet(heard: asyncio.Queue[str], seconds: float = 0.3) -> bool:
    try:
        await asyncio.wait_for(heard.get(), timeout=seconds)
    except TimeoutError:
        return True
    return False


async def test_a_tell_reaches_the_other_processes_listening_for_that_lane(tmp_path: Path) -> None:
    folder = tmp_path / "node.db.wake"
    listener, teller = SocketWakeups(folder), SocketWakeups(folder)
    async with listening(listener, ["inbox"]) as heard:
        for _ in range(3):  # told three times in one turn: sent once
            teller.tell("inbox")
        assert await asyncio.wait_for(heard.get(), WAIT) == "inbox"
        assert await quiet(heard)
        teller.tell("deliveries")  # a lane it does not work
        assert await quiet(heard)
    assert list(folder.iterdir()) == []  # its socket went with it
    teller.close()


async def test_a_socket_left_by_a_killed_process_is_cleared(tmp_path: Path) -> None:
    folder = tmp_path / "node.db.wake"
    folder.mkdir()
    dead = folder / "999999-dead.sock"
    left = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    left.bind(str(dead))
    left.close()  # bound, never unlinked: as after a kill -9
    teller = SocketWakeups(folder)
    teller.tell("inbox")
    await asyncio.sleep(0.05)
    assert not dead.exists()
    teller.close()


def test_sockets_go_elsewhere_when_the_path_beside_the_database_is_too_long(
    tmp_path: Path,
) -> None:
    with tempfile.TemporaryDirectory() as folder:  # short, wherever pytest puts tmp_path
        short = Path(folder) / "node.db"
        assert socket_folder(short).parent == Path(folder)
    deep = tmp_path / ("d" * MAX_SOCKET_PATH) / "node.db"
    moved = socket_folder(deep)
    assert moved != deep.parent and len(str(moved)) + 20 <= MAX_SOCKET_PATH
    assert socket_folder(deep) == moved  # the same for every process of that database


async def test_stored_deliveries_wake_the_other_processes_once_committed(
    node: Runtime, alpha: str, db_url: str
) -> None:
    other = Database(db_url)  # another process's connection to the same database
    wakeups = for_database(db_url, other.engine)
    try:
        async with listening(wakeups, ["deliveries"]) as heard:
            actor_id = await _alpha(node)
            with pytest.raises(RuntimeError):
                async with node.db.transaction() as session:
                    await _enqueue(session, node, actor_id, "rolled-back")
                    raise RuntimeError("rolled back")
            assert await quiet(heard)  # nothing committed, nobody told
            async with node.db.transaction() as session:
                await _enqueue(session, node, actor_id, "kept")
            # what a use case calls once committed (on PostgreSQL the commit notified already)
            node.wake_worker()
            assert await asyncio.wait_for(heard.get(), WAIT) == "deliveries"
    finally:
        await other.close()


async def _alpha(node: Runtime) -> int:
    from node.storage import actors

    async with node.db.transaction() as session:
        return (await actors.by_username(session, "alpha")).id


async def _enqueue(session: object, node: Runtime, actor_id: int, key: str) -> None:
    await deliveries.enqueue(
        session,  # type: ignore[arg-type]
        f"https://node.test/activities/{key}",
        actor_id,
        "{}",
        ["https://remote.example/inbox"],
        node.clock.now(),
    )
