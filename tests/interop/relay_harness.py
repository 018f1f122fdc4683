"""activityrelay (from PyPI, in tests/interop/relay/.venv) run on loopback for the relay tests.

The relay names itself https://DOMAIN and looks peers up at https://HOST/.well-known/nodeinfo,
port 443 and no other, so the relay and the nodes each get a loopback address of their own
(127.0.0.2, …) and port 443: the nodes serve TLS themselves, the relay sits behind
support.tls_proxy. All of them trust the test CA (SN_CA_FILE for nodes, SSL_CERT_FILE for the
relay). Binding port 443 needs root (as in CI) or CAP_NET_BIND_SERVICE.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.ci import require
from tests.support.processes import START_TIMEOUT, Process, free_port, node_env, wait_until
from tests.support.tls import TestPki
from tests.support.tls_proxy import tls_proxy

RELAY_DIR = Path(__file__).parent / "relay"
RELAY_SCRIPT = RELAY_DIR / ".venv" / "bin" / "activityrelay"
HTTPS_PORT = 443
SETUP_TIMEOUT = 60.0


def require_relay() -> None:
    if not RELAY_SCRIPT.exists():
        require(f"{RELAY_SCRIPT} is missing: run scripts/setup.sh test")


def require_port_443(address: str) -> None:
    """The relay needs its peers on port 443: skip (fail in CI) when it cannot be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, HTTPS_PORT))
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM):
                require(f"binding {address}:443 is not permitted (needs root)")
            raise


@dataclass
class Relay:
    """A running activityrelay reached at https://ADDRESS."""

    process: Process
    address: str
    ca: Path

    @property
    def base_url(self) -> str:
        return f"https://{self.address}"

    @property
    def inbox(self) -> str:
        return f"{self.base_url}/inbox"

    @property
    def actor(self) -> str:
        return f"{self.base_url}/actor"

    def get(self, path: str) -> Any:
        trust = ssl.create_default_context(cafile=str(self.ca))
        response = httpx.get(
            f"{self.base_url}{path}",
            headers={"Accept": "application/activity+json"},
            verify=trust,
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def subscribers(self) -> list[str]:
        """The actors of the instances subscribed to the relay (its /followers)."""
        items: list[str] = self.get("/followers").get("items", [])
        return items


def relay_config(directory: Path, address: str, port: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "relay.yaml"
    config.write_text(
        "\n".join(
            [
                "listen: 127.0.0.1",
                f"port: {port}",
                f"domain: {address}",
                "workers: 1",
                "database_type: sqlite",
                "cache_type: database",
                "sqlite_path: relay.sqlite3",
                "",
            ]
        )
    )
    return config


@contextlib.contextmanager
def running_relay(pki: TestPki, logs: Path, address: str) -> Iterator[Relay]:
    """`activityrelay setup` then `run` on a free port of 127.0.0.1, behind TLS on
    ADDRESS:443; stopped when the block ends."""
    require_relay()
    require_port_443(address)
    port = free_port()
    directory = logs / "relay"
    config = relay_config(directory, address, port)
    env = node_env() | {"SSL_CERT_FILE": str(pki.ca)}
    setup = subprocess.run(
        [str(RELAY_SCRIPT), "-c", str(config), "setup", "--skip-questions"],
        input="n\n",
        env=env,
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
        check=False,
    )
    if setup.returncode != 0:
        pytest.fail(f"activityrelay setup failed:\n{setup.stdout}\n{setup.stderr}")
    process = Process.start(
        "relay", [str(RELAY_SCRIPT), "-c", str(config), "run"], env, logs, directory
    )
    try:

        def answers() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/actor", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, "activityrelay to answer", process, START_TIMEOUT)
        with tls_proxy((address, HTTPS_PORT), ("127.0.0.1", port), pki.cert, pki.key):
            yield Relay(process, address, pki.ca)
    finally:
        process.stop()
