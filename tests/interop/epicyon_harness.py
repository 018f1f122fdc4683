"""Epicyon (from PyPI, in tests/interop/epicyon/.venv) and a node on loopback for the Epicyon
interop test, each a process of its own.

Epicyon runs from a base directory holding its accounts and, as in its own checkout, its
translations, themes and images (linked from the installed package). It speaks plain http
(`--http`), is named 127.0.0.1:PORT, may reach loopback addresses (`--allowLocalNetworkAccess`)
and is driven through its own client-to-server API: activities POSTed to its outbox with the
account's password, which it signs and delivers itself. What it received and kept is read from
its base directory. The node is `serve` behind support.header_proxy (Epicyon sends
`(request-target)` as an HTTP header, which uvicorn refuses and nginx drops), its base URL
being the proxy's.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.ci import require
from tests.support.header_proxy import HeaderProxy, header_proxy
from tests.support.processes import (
    NODE_SCRIPT,
    START_TIMEOUT,
    Process,
    free_port,
    node_env,
    run_cli,
    wait_until,
)

EPICYON_DIR = Path(__file__).parent / "epicyon"
PYTHON = EPICYON_DIR / ".venv" / "bin" / "python"
NICKNAME = "peer"
PASSWORD = "interop-peer-password"
HOST = "127.0.0.1"
SETUP_TIMEOUT = 60.0
# what Epicyon reads from its own folder beside the accounts (see its daemon's start)
RESOURCES = ("translations", "theme", "img", "fonts", "emoji", "defaultcategories", "orgs")

Json = dict[str, Any]


def epicyon_script() -> Path:
    """epicyon.py in the peer's virtualenv, or a skip (a failure when CI=true)."""
    found = sorted(EPICYON_DIR.glob(".venv/lib/python3*/site-packages/epicyon.py"))
    if not PYTHON.exists() or not found:
        require(f"Epicyon is not installed in {EPICYON_DIR}/.venv: run scripts/setup.sh test")
    return found[-1]


def base_directory(script: Path, base: Path) -> Path:
    """A fresh base directory with the installed package's resources linked in."""
    base.mkdir(parents=True)
    package = script.parent
    for name in RESOURCES:
        (base / name).symlink_to(package / name)
    for resource in [*package.glob("*.txt"), *package.glob("epicyon-*.css")]:
        (base / resource.name).symlink_to(resource)
    # an instance's own hashtag categories, here none: loading the default list at start
    # rewrites one file per hashtag and rescans them all each time (minutes on a small machine)
    (base / "categories.xml").write_text("<rss><channel></channel></rss>\n")
    return base


@dataclass
class Epicyon:
    """A running Epicyon with one account, `peer`, that approves no follower by hand."""

    process: Process
    port: int
    base: Path

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def actor(self) -> str:
        return f"{self.origin}/users/{NICKNAME}"

    @property
    def handle(self) -> str:
        return f"{NICKNAME}@{HOST}:{self.port}"

    @property
    def account(self) -> Path:
        return self.base / "accounts" / f"{NICKNAME}@{HOST}"

    def post(self, activity: Json) -> None:
        """Client to server: Epicyon takes the activity into its outbox, signs it and
        delivers it to whom it names."""
        token = base64.b64encode(f"{NICKNAME}:{PASSWORD}".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        # Epicyon answers 201 with neither a body nor a length on a kept-alive connection:
        # the status is all there is to read
        with httpx.stream(
            "POST",
            f"{self.actor}/outbox",
            content=json.dumps(activity),
            headers=headers,
            timeout=30,
        ) as response:
            status = response.status_code
        if status >= 400:
            pytest.fail(f"Epicyon's outbox refused {activity['type']}: {status}\n{self.log()}")

    def lines(self, name: str) -> list[str]:
        """A list Epicyon keeps in the account's folder (following.txt, followers.txt)."""
        path = self.account / name
        return path.read_text().split() if path.exists() else []

    def inbox(self) -> list[Json]:
        """The posts Epicyon kept in the account's inbox (after checking their signatures)."""
        return [json.loads(p.read_text()) for p in sorted((self.account / "inbox").glob("*.json"))]

    def log(self) -> str:
        return self.process.stdout.read_text(errors="replace")


def start_epicyon(logs: Path) -> Epicyon:
    script = epicyon_script()
    port = free_port()
    base = base_directory(script, logs / "epicyon")
    common = ["--path", str(base), "--domain", HOST, "--port", str(port), "--http"]
    made = subprocess.run(
        [
            str(PYTHON),
            str(script),
            *common,
            "--noapproval",
            "--addaccount",
            f"{NICKNAME}@{HOST}",
            "--password",
            PASSWORD,
        ],
        cwd=base,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
        check=False,
    )
    if made.returncode != 0 or "Account created" not in made.stdout:
        pytest.fail(f"Epicyon could not create its account:\n{made.stdout}\n{made.stderr}")
    command = [str(PYTHON), str(script), *common, "--allowLocalNetworkAccess", "--debug"]
    process = Process.start("epicyon", command, node_env(), logs, base)
    peer = Epicyon(process, port, base)

    def answers() -> bool:
        try:
            response = httpx.get(peer.actor, headers={"Accept": "application/activity+json"})
            return response.status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, "Epicyon to answer", process, START_TIMEOUT)
    except BaseException:
        process.stop()
        raise
    return peer


@dataclass
class ProxiedNode:
    """`solidarity-node serve` on one port, reached at http://127.0.0.1:PROXY (its base URL)."""

    process: Process
    proxy: HeaderProxy
    data_dir: Path
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.proxy.port}"

    def actor(self, org: str) -> str:
        return f"{self.base_url}/users/{org}"

    def api(self, method: str, path: str, org: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[org]}"}
        return httpx.request(
            method, f"{self.base_url}/api/v1{path}", headers=headers, timeout=30, **kwargs
        )


@contextlib.contextmanager
def proxied_node(logs: Path, orgs: dict[str, str]) -> Iterator[ProxiedNode]:
    """init, `org create` and `token create` for each of `orgs` (name: display name), then
    serve behind the header proxy; stopped when the block ends."""
    if not NODE_SCRIPT.exists():
        pytest.fail(f"{NODE_SCRIPT} is missing: install the project (pip install -e .)")
    listen, public = free_port(), free_port()
    data_dir, env = logs / "node", node_env()
    run_cli(
        data_dir, env, "init", "--base-url", f"http://{HOST}:{public}", "--allow-private-addresses"
    )
    tokens = {}
    for org, display in orgs.items():
        run_cli(data_dir, env, "org", "create", org, "--display-name", display)
        tokens[org] = run_cli(data_dir, env, "token", "create", org).strip().splitlines()[-1]
    command = [
        str(NODE_SCRIPT),
        "--data-dir",
        str(data_dir),
        "serve",
        "--host",
        HOST,
        "--port",
        str(listen),
    ]
    process = Process.start("node", command, env, logs, logs)
    try:
        with header_proxy(public, listen) as proxy:
            node = ProxiedNode(process, proxy, data_dir, env, tokens)

            def answers() -> bool:
                try:
                    return httpx.get(f"{node.base_url}/.well-known/nodeinfo").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(answers, "the node to answer", process, START_TIMEOUT)
            yield node
    finally:
        process.stop()
