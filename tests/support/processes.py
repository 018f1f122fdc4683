"""Real nodes as OS processes on loopback: `solidarity-node` commands, `serve` on a free port
over plain http, stopped (SIGTERM, then SIGKILL) or killed (SIGKILL) on demand.

Also the process helpers of tests/interop/interop_harness.py (the Fedify peer, the node over
TLS): every child writes stdout and stderr to files, leads its own session so a signal reaches
everything it started, and is bounded in time. Waiting is polling with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from node.config import load_settings
from node.storage.db import Database

NODE_SCRIPT = Path(sys.executable).parent / "solidarity-node"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 60.0
POLL_INTERVAL = 0.05
HTTP_TIMEOUT = 30.0
AS2 = "application/activity+json"

T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 60) -> str:
    if not path.exists():
        return "(no output)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Process:
    """A child process whose stdout and stderr go to files; `stop()` or `kill()` ends it."""

    name: str
    popen: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    files: list[IO[bytes]] = field(default_factory=list)

    @classmethod
    def start(
        cls, name: str, args: list[str], env: dict[str, str], logs: Path, cwd: Path
    ) -> Process:
        stdout, stderr = logs / f"{name}.out", logs / f"{name}.err"
        files: list[IO[bytes]] = [stdout.open("wb"), stderr.open("wb")]
        popen = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=files[0],
            stderr=files[1],
            start_new_session=True,
        )
        return cls(name, popen, stdout, stderr, files)

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def check_alive(self) -> None:
        if not self.alive:
            pytest.fail(f"{self.name} exited with {self.popen.returncode}:\n{self.output()}")

    def output(self) -> str:
        out, err = tail(self.stdout), tail(self.stderr)
        return f"--- {self.name} stdout\n{out}\n--- {self.name} stderr\n{err}"

    def stop(self) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it does not end in time."""
        if self.alive:
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(STOP_TIMEOUT)
        self._close_files()

    def kill(self) -> None:
        """SIGKILL at once: no shutdown code runs, as in a crash."""
        if self.alive:
            self._signal(signal.SIGKILL)
            self.popen.wait(STOP_TIMEOUT)
        self._close_files()

    def _close_files(self) -> None:
        for file in self.files:
            file.close()

    def _signal(self, sig: signal.Signals) -> None:
        # The child leads its own session, so its process group holds only what it started.
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass


def wait_until(
    check: Callable[[], T | None],
    what: str,
    processes: Process | Sequence[Process],
    timeout: float,
    *,
    interval: float = POLL_INTERVAL,
    evidence: Callable[[], str] | None = None,
) -> T:
    """Polls `check` every `interval` seconds until it returns something truthy; fails when
    the deadline passes or one of the processes exits, with `evidence()` or else the
    processes' output."""
    watched = [processes] if isinstance(processes, Process) else list(processes)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in watched:
            process.check_alive()
        result = check()
        if result:
            return result
        time.sleep(interval)
    shown = evidence() if evidence else "\n".join(process.output() for process in watched)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{shown}")


def node_env() -> dict[str, str]:
    """The test's environment without SN_* variables: a node reads only its config.toml."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SN_")}


def run_cli(data_dir: Path, env: dict[str, str], *args: str) -> str:
    """Run `solidarity-node --data-dir DATA_DIR ARGS…`; its stdout, or a test failure."""
    command = [str(NODE_SCRIPT), "--data-dir", str(data_dir), *args]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(command)} did not finish in {CLI_TIMEOUT}s")
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def query_database(
    data_dir: Path, environ: Mapping[str, str], work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Run `work` in a transaction on the database of the node in `data_dir` (as its config
    and `environ` name it), on a connection of its own."""

    async def run() -> T:
        db = Database(load_settings(data_dir, environ).database_url)
        try:
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.close()

    return asyncio.run(run())


@dataclass
class LoopbackNode:
    """A node's data directory and port; `serve()` runs it at http://127.0.0.1:PORT, again
    on the same port after `stop()` or `kill()`."""

    name: str
    data_dir: Path
    port: int
    logs: Path
    env: dict[str, str] = field(default_factory=node_env)
    process: Process | None = None
    starts: int = 0
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def actor(self, org: str) -> str:
        return f"{self.base_url}/users/{org}"

    def handle(self, org: str) -> str:
        return f"{org}@{self.host}"

    @property
    def running(self) -> Process:
        if self.process is None or not self.process.alive:
            pytest.fail(f"{self.name} is not running")
        return self.process

    def cli(self, *args: str) -> str:
        return run_cli(self.data_dir, self.env, *args)

    def init(self, database_url: str | None = None) -> None:
        extra = ["--database-url", database_url] if database_url else []
        self.cli("init", "--base-url", self.base_url, "--allow-private-addresses", *extra)

    def add_org(self, org: str, display_name: str) -> str:
        """`org create` and `token create`; returns the actor URL."""
        actor = self.cli("org", "create", org, "--display-name", display_name).strip()
        self.tokens[org] = self.cli("token", "create", org).strip().splitlines()[-1]
        return actor

    def serve(self) -> None:
        """Start `serve` and return once the node answers."""
        self.starts += 1
        command = [
            str(NODE_SCRIPT),
            "--data-dir",
            str(self.data_dir),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        name = f"{self.name}-{self.starts}"
        self.process = Process.start(name, command, self.env, self.logs, self.logs)

        def answers() -> bool:
            try:
                return self.get("/.well-known/nodeinfo").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, f"{name} to answer on {self.base_url}", self.process, START_TIMEOUT)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()

    def query(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in a transaction on the node's database (its own connection), e.g. to
        read what the node stored with node.storage's functions."""
        return query_database(self.data_dir, {}, work)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.base_url}{path}", timeout=HTTP_TIMEOUT, **kwargs)

    def as2(self, path: str) -> dict[str, Any]:
        response = self.get(path, headers={"Accept": AS2})
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def api(self, method: str, path: str, org: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[org]}"}
        url = f"{self.base_url}/api/v1{path}"
        return httpx.request(method, url, headers=headers, timeout=HTTP_TIMEOUT, **kwargs)


@contextlib.contextmanager
def loopback_nodes(logs: Path) -> Iterator[Callable[[str], LoopbackNode]]:
    """`new("a")` makes a LoopbackNode with its own data directory and free port; every node
    still running when the block ends is stopped."""
    made: list[LoopbackNode] = []

    def new(name: str) -> LoopbackNode:
        node = LoopbackNode(name, logs / name, free_port(), logs)
        made.append(node)
        return node

    try:
        yield new
    finally:
        for node in made:
            node.stop()
