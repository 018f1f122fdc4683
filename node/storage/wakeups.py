"""Wake-ups between the processes of one node: a worker lane asleep in one process is woken as
soon as another process has stored rows for it (a `serve` publishing, its worker processes).

PostgreSQL: the writing transaction itself sends NOTIFY on the lane's channel (delivered at
commit, and only if it commits); listeners LISTEN on a connection of their own, reconnecting
when it drops. SQLite: each listening process binds a Unix datagram socket in a folder beside
the database file (or, when that path is too long for a socket, in a private folder under the
temporary directory); after a commit, tell() sends the lane's name to every socket there, once
per event-loop turn however many rows were stored. A wake-up lost on the way costs at most a
lane's idle poll: the rows themselves are the truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import logging
import os
import secrets
import socket
import tempfile
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = logging.getLogger("node.wakeups")

INBOX = "inbox"  # the lanes the storage layer stores rows for (their queues' names)
DELIVERIES = "deliveries"
CHANNEL_PREFIX = "sn_wake_"
RECONNECT_SECONDS = 1.0
FOLDER_REREAD_SECONDS = 1.0
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux; keep a margin

Wake = Callable[[str], None]


def channel(lane: str) -> str:
    return CHANNEL_PREFIX + lane


async def notify_in(bind: AsyncSession | AsyncConnection, lane: str) -> None:
    """Inside the writing transaction: on PostgreSQL, NOTIFY the lane at commit."""
    dialect = bind.dialect if isinstance(bind, AsyncConnection) else bind.get_bind().dialect
    if dialect.name == "postgresql":
        await bind.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel(lane)})


class Wakeups:
    """A node's wake-ups; for_database() picks the kind its database needs."""

    def tell(self, lane: str) -> None:
        """Rows for `lane` were committed by this process: wake the lane in the others."""

    async def listen(self, lanes: Collection[str], wake: Wake) -> None:
        """Call wake(lane) whenever another process stored rows for one of `lanes`; runs
        until cancelled."""
        await asyncio.Event().wait()

    def close(self) -> None:
        """Release what tell() holds (listen() releases its own when cancelled)."""


class PostgresWakeups(Wakeups):
    """tell() does nothing: the writing transactions NOTIFY (notify_in)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def listen(self, lanes: Collection[str], wake: Wake) -> None:
        while True:
            try:
                await self._listen_once(lanes, wake)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("listening for wake-ups failed (%s); reconnecting", exc)
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen_once(self, lanes: Collection[str], wake: Wake) -> None:
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection  # the asyncpg connection
            ended = asyncio.Event()
            driver.add_termination_listener(lambda _connection: ended.set())
            for lane in lanes:

                def heard(*_args: object, lane: str = lane) -> None:
                    wake(lane)

                await driver.add_listener(channel(lane), heard)
            try:
                await ended.wait()
            finally:
                await conn.invalidate()  # never back to the pool with listeners on it


class SocketWakeups(Wakeups):
    """Unix datagram sockets in one folder per SQLite database file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._own: Path | None = None
        self._pending: set[str] = set()
        self._scheduled = False
        self._peers: list[Path] = []
        self._peers_read = 0.0
        self._out: socket.socket | None = None

    def tell(self, lane: str) -> None:
        self._pending.add(lane)
        if self._scheduled:
            return  # the send scheduled for this turn takes it along
        try:
            asyncio.get_running_loop().call_soon(self._flush)
            self._scheduled = True
        except RuntimeError:
            self._flush()

    def _flush(self) -> None:
        self._scheduled = False
        lanes, self._pending = self._pending, set()
        if not lanes:
            return
        out = self._out or socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        out.setblocking(False)
        self._out = out
        for peer in self._listeners():
            for lane in lanes:
                try:
                    out.sendto(lane.encode(), str(peer))
                except (ConnectionRefusedError, FileNotFoundError):
                    with contextlib.suppress(OSError):
                        peer.unlink()  # its process is gone
                    self._peers_read = 0.0
                    break
                except BlockingIOError:
                    break  # its queue is full: it has wake-ups enough to read
                except OSError as exc:
                    log.debug("cannot wake %s: %s", peer, exc)
                    break

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _listeners(self) -> list[Path]:
        now = time.monotonic()
        if now - self._peers_read >= FOLDER_REREAD_SECONDS:
            try:
                found = [p for p in self.folder.iterdir() if p.suffix == ".sock"]
            except OSError:
                found = []
            self._peers = [p for p in found if p != self._own]
            self._peers_read = now
        return self._peers

    async def listen(self, lanes: Collection[str], wake: Wake) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        own = self.folder / f"{os.getpid()}-{secrets.token_hex(4)}.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.bind(str(own))
        self._own = own
        wanted = set(lanes)
        loop = asyncio.get_running_loop()

        def readable() -> None:
            heard: set[str] = set()
            while True:
                try:
                    heard.add(sock.recv(64).decode(errors="replace"))
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                        log.debug("reading wake-ups: %s", exc)
                    break
            for lane in heard & wanted:
                wake(lane)

        loop.add_reader(sock.fileno(), readable)
        try:
            await asyncio.Event().wait()
        finally:
            loop.remove_reader(sock.fileno())
            sock.close()
            with contextlib.suppress(OSError):
                own.unlink()
            self._own = None


def socket_folder(database_file: Path) -> Path:
    """Beside the database, unless socket paths there would be too long for the kernel."""
    beside = database_file.with_name(database_file.name + ".wake")
    if len(str(beside)) + 20 <= MAX_SOCKET_PATH:
        return beside
    digest = hashlib.sha256(str(database_file).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"sn-wake-{os.getuid()}-{digest}"


def for_database(url: str, engine: AsyncEngine) -> Wakeups:
    """The wake-ups of the database at `url` (no I/O until listen() or tell())."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return PostgresWakeups(engine)
    if parsed.database and parsed.database != ":memory:":
        return SocketWakeups(socket_folder(Path(parsed.database).resolve()))
    return Wakeups()
