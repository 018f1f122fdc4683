"""Processes for interop tests: the Fedify peer (tests/interop/peer) and the real node, each
in its own process on a loopback port, plus the client side of the peer's /control/ API.

Every process writes stdout and stderr to files, is bounded in time, and is stopped with
SIGTERM then SIGKILL. Waiting is polling with a deadline: the peer is another process, so
there is no in-process `run_until_idle()` to call.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.ci import require
from tests.support.processes import (
    NODE_SCRIPT,
    START_TIMEOUT,
    Process,
    free_port,
    node_env,
    run_cli,
    wait_until,
)
from tests.support.tls import TestPki

PEER_DIR = Path(__file__).parent / "peer"
FEDIFY_PACKAGE = PEER_DIR / "node_modules" / "@fedify" / "fedify" / "package.json"
LOOKUP_TIMEOUT = 45.0
CONTROL_TIMEOUT = 60.0
ALPHA_SUMMARY = "A collective that organises mutual aid.\n\nWe answer calls for solidarity."

Json = dict[str, Any]


# --- Node.js and the Fedify peer -------------------------------------------------------


@dataclass(frozen=True)
class NodeJs:
    node: str
    npm: str
    fedify_version: str


def find_node_js() -> NodeJs:
    """Node.js, npm and the installed peer packages, or a skip (a failure when CI=true)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        require("Node.js (node and npm) is not on PATH: the Fedify interop peer cannot run")
    assert node is not None and npm is not None
    if not FEDIFY_PACKAGE.exists():
        require(f"the Fedify peer is not installed: run `npm ci` in {PEER_DIR}")
    pinned = json.loads((PEER_DIR / "package.json").read_text())["dependencies"]["@fedify/fedify"]
    installed = json.loads(FEDIFY_PACKAGE.read_text())["version"]
    if installed != pinned:
        require(f"Fedify {installed} is installed, {pinned} is pinned: run `npm ci` in {PEER_DIR}")
    return NodeJs(node, npm, installed)


def peer_env(pki: TestPki) -> dict[str, str]:
    return {**os.environ, "NODE_EXTRA_CA_CERTS": str(pki.ca), "NO_COLOR": "1"}


@dataclass
class FedifyPeer:
    """A running `peer.mjs serve`: one Fedify `Person` named peer, driven through /control/."""

    process: Process
    origin: str
    actor: str
    handle: str
    ca: Path | None = None  # the test CA, when the peer serves https (--tls)

    def _request(self, method: str, path: str, body: Json | None = None) -> Any:
        verify = ssl.create_default_context(cafile=str(self.ca)) if self.ca else True
        with httpx.Client(base_url=self.origin, timeout=CONTROL_TIMEOUT, verify=verify) as client:
            response = client.request(method, f"/control/{path}", json=body)
        if response.status_code >= 400:
            pytest.fail(
                f"peer control {method} /control/{path} {body}: {response.status_code}\n"
                f"{json.dumps(response.json(), indent=1)[-12000:]}"
            )
        return response.json()

    def get(self, path: str) -> Any:
        return self._request("GET", path)

    def post(self, path: str, body: Json) -> Any:
        return self._request("POST", path, body)

    def inbox(self) -> list[Json]:
        """Every POST to the peer's inboxes: `activity` as received; `verified`: Fedify
        authenticated it (HTTP signature, LD signature or proof, signer owning the actor) and
        answered 2xx; `httpSignature`: Fedify's verifyRequest on the same request; `status`;
        `handled`: the inbox listener that ran."""
        items: list[Json] = self.get("inbox")["items"]
        return items

    def wait_for_activity(
        self, type_: str, match: Callable[[Json], bool] = lambda _: True, timeout: float = 30.0
    ) -> Json:
        """The first inbox entry of `type_` that `match` accepts, waiting for it to arrive."""

        def found() -> Json | None:
            return next((e for e in self.inbox() if e["type"] == type_ and match(e)), None)

        entry: Json = wait_until(found, f"a {type_} in the peer's inbox", self.process, timeout)
        return entry

    def follow(self, target: str) -> Json:
        """Looks `target` up (handle or URL) and sends it a signed Follow."""
        result: Json = self.post("follow", {"target": target})
        return result

    def unfollow(self, target: str) -> Json:
        result: Json = self.post("unfollow", {"target": target})
        return result

    def create_note(self, content: str, mention: str | None = None, **extra: Any) -> Json:
        """Sends a signed Create(Note); `mention` (handle or URL) is tagged and delivered to."""
        result: Json = self.post("create", {"content": content, "mention": mention, **extra})
        return result

    def like(self, object_iri: str) -> Json:
        """Sends a signed Like of `object_iri` to its author (looked up first)."""
        result: Json = self.post("like", {"object": object_iri})
        return result

    def announce(self, object_iri: str) -> Json:
        """Sends a signed Announce of `object_iri` to its author and the peer's followers."""
        result: Json = self.post("announce", {"object": object_iri})
        return result

    def undo(self, activity_iri: str) -> Json:
        """Sends Undo of an activity this peer sent, to whoever received it."""
        result: Json = self.post("undo", {"activity": activity_iri})
        return result

    def delete_note(self, object_iri: str) -> Json:
        """Sends Delete(Tombstone) of a Note this peer created, to whoever got its Create."""
        result: Json = self.post("delete", {"object": object_iri})
        return result

    def fetch(self, url: str, *, signed: bool = True, spec: str = "rfc9421") -> Json:
        """GETs `url` as AS2, signed with the peer's key unless `signed` is False: `status`,
        `document`, `parsed` (Fedify's vocabulary on the body) and `lookup` (Fedify's
        lookupObject with the same identity)."""
        result: Json = self.post("fetch", {"url": url, "signed": signed, "spec": spec})
        return result

    def followers(self) -> list[Json]:
        items: list[Json] = self.get("followers")["items"]
        return items

    def following(self) -> list[Json]:
        items: list[Json] = self.get("following")["items"]
        return items

    def wait_following(self, actor: str, state: str = "accepted", timeout: float = 30.0) -> Json:
        def found() -> Json | None:
            return next(
                (f for f in self.following() if f["id"] == actor and f["state"] == state), None
            )

        what = f"the peer's follow of {actor} to be {state}"
        entry: Json = wait_until(found, what, self.process, timeout)
        return entry

    def log(self, level: str = "debug") -> str:
        """Fedify's own log lines; it explains signature failures at debug level."""
        lines = self.get(f"log?level={level}")["items"]
        return "\n".join(f"{r['level']} {r['category']}: {r['message']}" for r in lines)


def start_peer(node_js: NodeJs, pki: TestPki, logs: Path, name: str, *args: str) -> FedifyPeer:
    """Starts `peer.mjs serve` on a free port; `--tls` serves https with the test CA's cert."""
    argv = [a for a in args if a != "--tls"]
    if "--tls" in args:
        argv += ["--tls-cert", str(pki.cert), "--tls-key", str(pki.key)]
    command = [node_js.node, "peer.mjs", "serve", "--port", "0", *argv]
    process = Process.start(f"fedify-{name}", command, peer_env(pki), logs, PEER_DIR)
    try:

        def ready() -> Json | None:
            line = process.stdout.read_text().partition("\n")[0]
            return json.loads(line) if line.endswith("}") else None

        info = wait_until(ready, f"Fedify peer {name} to listen", process, START_TIMEOUT)
    except BaseException:
        process.stop()
        raise
    host = info["origin"].split("://", 1)[1]
    ca = pki.ca if "--tls" in args else None
    return FedifyPeer(process, info["origin"], info["actor"], f"@peer@{host}", ca)


def run_lookup(node_js: NodeJs, pki: TestPki, target: str) -> Json:
    """`node peer.mjs lookup TARGET`: what Fedify parsed, or a failure with Fedify's log."""
    command = [node_js.node, "peer.mjs", "lookup", target, "--timeout", str(LOOKUP_TIMEOUT - 5)]
    try:
        done = subprocess.run(
            command,
            cwd=PEER_DIR,
            env=peer_env(pki),
            capture_output=True,
            text=True,
            timeout=LOOKUP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"Fedify's lookup of {target} did not finish in {LOOKUP_TIMEOUT}s")
    if done.returncode != 0:
        pytest.fail(
            f"Fedify could not look up {target} (exit {done.returncode}):\n{done.stderr[-12000:]}"
        )
    result: Json = json.loads(done.stdout)
    return result


# --- The node under test ---------------------------------------------------------------


@dataclass
class LiveNode:
    """A `solidarity-node serve` over TLS on 127.0.0.1, with its data directory."""

    process: Process
    base_url: str
    data_dir: Path
    ca: Path
    env: dict[str, str]
    actors: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.base_url.split("://", 1)[1]

    def handle(self, org: str) -> str:
        return f"@{org}@{self.host}"

    def cli(self, *args: str) -> str:
        return run_cli(self.data_dir, self.env, *args)

    def client(self) -> httpx.Client:
        trust = ssl.create_default_context(cafile=str(self.ca))
        return httpx.Client(base_url=self.base_url, verify=trust, timeout=30)


def start_node(
    pki: TestPki,
    logs: Path,
    name: str,
    orgs: dict[str, tuple[str, str]],
    address: tuple[str, int] | None = None,
) -> LiveNode:
    """`init`, `org create` for each of `orgs` (name: (display name, summary)), then `serve`
    over TLS on `address` (default 127.0.0.1 and a free port); returns once
    /.well-known/nodeinfo answers."""
    if not NODE_SCRIPT.exists():
        pytest.fail(f"{NODE_SCRIPT} is missing: install the project (pip install -e .)")
    host, port = address or ("127.0.0.1", free_port())
    data_dir = logs / name
    env = node_env() | {"SN_CA_FILE": str(pki.ca)}
    base_url = f"https://{host}" if port == 443 else f"https://{host}:{port}"
    run_cli(data_dir, env, "init", "--base-url", base_url, "--allow-private-addresses")
    actors = {}
    for org, (display, summary) in orgs.items():
        out = run_cli(
            data_dir, env, "org", "create", org, "--display-name", display, "--summary", summary
        )
        actors[org] = out.strip().splitlines()[-1]
    command = [
        str(NODE_SCRIPT),
        "--data-dir",
        str(data_dir),
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--tls-cert",
        str(pki.cert),
        "--tls-key",
        str(pki.key),
    ]
    process = Process.start(name, command, env, logs, logs)
    node = LiveNode(process, base_url, data_dir, pki.ca, env, actors)

    def answers() -> bool:
        try:
            with node.client() as client:
                return client.get("/.well-known/nodeinfo").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, f"{name} to answer on {base_url}", process, START_TIMEOUT)
    except BaseException:
        process.stop()
        raise
    return node


PeerFactory = Callable[..., FedifyPeer]
NodeFactory = Callable[..., LiveNode]
LookupRunner = Callable[[str], Json]
