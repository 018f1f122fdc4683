"""Set-up shared by the worker benchmarks: sinks that record what arrives and when, and a
`solidarity-node serve` whose organisation, followers, allies and known remote actors are
written to its database before it starts (what Follow/Accept round trips would have left).

Remote actors played by the benchmark hold real keys: what they send the node is signed, and
the node verifies it with the key it has cached. Times are wall-clock (time.time()) in every
process, so the sinks' arrival times compare with the benchmark's own.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.procs import (
    PYTHON,
    Child,
    bench_env,
    free_port,
    node_command,
    run_cli,
    wait_answers,
    wait_until,
)
from node.activitypub.keys import KeyPair, generate_key_pair, load_private_key
from node.activitypub.signatures import sign_request
from node.config import load_settings
from node.storage import actors, allies, follows, remote_actors, tokens
from node.storage.actors import ORGANIZATION, NewActor
from node.storage.db import Database
from node.storage.follows import ACCEPTED
from node.storage.remote_actors import RemoteActor
from node.urls import Urls

REPO = Path(__file__).resolve().parent.parent
AS2 = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@dataclass(frozen=True)
class Arrival:
    at: float  # wall-clock seconds
    port: int
    id: str | None
    type: str | None


class Sinks:
    """bench/sinks.py on `hosts` loopback ports, in its own process."""

    def __init__(
        self,
        workdir: Path,
        hosts: int,
        *,
        name: str = "sinks",
        record: bool = False,
        slow: int = 0,
        delay: float = 0.0,
    ) -> None:
        ports_file = workdir / f"{name}-ports"
        command = [PYTHON, "-m", "bench.sinks", str(hosts), str(ports_file)]
        if record:
            command.append("--record")
        if slow:
            command += ["--slow", str(slow), "--delay", str(delay)]
        self.child = Child(name, command, workdir, bench_env(PYTHONPATH=str(REPO)))
        wait_until(lambda: ports_file.exists() and bool(ports_file.read_text()), name, None, 30)
        self.ports = [int(port) for port in ports_file.read_text().split()]
        self.hosts = [f"127.0.0.1:{port}" for port in self.ports]
        self._client = httpx.Client(timeout=10)
        wait_until(self._answers, f"{name} to answer", self.child, 30)

    def _answers(self) -> bool:
        try:
            self.counts()
            return True
        except httpx.TransportError:
            return False

    def counts(self) -> tuple[int, int]:
        posts, signed = self._client.get(f"http://{self.hosts[0]}/count").text.split()
        return int(posts), int(signed)

    def log(self, since: int = 0) -> list[Arrival]:
        text = self._client.get(f"http://{self.hosts[0]}/log?since={since}").text
        return [Arrival(*json.loads(line)) for line in text.splitlines() if line]

    def stop(self) -> None:
        self._client.close()
        self.child.stop()


@dataclass(frozen=True)
class Remote:
    """A remote actor played by the benchmark, on a loopback host (a sink's, or any)."""

    host: str
    name: str
    keys: KeyPair

    @property
    def iri(self) -> str:
        return f"http://{self.host}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return f"{self.iri}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.iri}/inbox"

    @property
    def shared_inbox(self) -> str:
        return f"http://{self.host}/inbox"

    def view(self) -> RemoteActor:
        return RemoteActor(
            iri=self.iri,
            type="Person",
            key_id=self.key_id,
            public_key_pem=self.keys.public_pem,
            username=self.name,
            name=None,
            inbox=self.inbox,
            shared_inbox=self.shared_inbox,
            followers=f"{self.iri}/followers",
            fetched_at=datetime.now(UTC),
            gone=False,
        )


def remotes(hosts: Sequence[str], per_host: int = 1, keys: KeyPair | None = None) -> list[Remote]:
    """`per_host` actors on each host, sharing one key pair (their key ids differ)."""
    pair = keys or generate_key_pair()
    return [Remote(host, f"f{n}", pair) for host in hosts for n in range(per_host)]


@dataclass
class Seed:
    """What a node's database holds before `serve` starts: organisations with their followers
    (each gets an API token), allies of the first one, and other known remote actors."""

    orgs: dict[str, list[Remote]] = field(default_factory=lambda: {"bench": []})
    allies: list[tuple[Remote, str]] = field(default_factory=list)  # (actor, policy)
    known: list[Remote] = field(default_factory=list)  # cached actors (keys) only
    shared_inboxes: bool = True  # followers deliver to their host's shared inbox
    extra: Callable[[Database], Awaitable[None]] | None = None


async def seed_database(data_dir: Path, seed: Seed) -> dict[str, str]:
    """Writes `seed` into the node's database; the organisations' API tokens, by name."""
    settings = load_settings(data_dir, {})
    db = Database(settings.database_url)
    now = datetime.now(UTC)
    found: dict[str, str] = {}
    everyone = [*(r for rs in seed.orgs.values() for r in rs), *seed.known]
    everyone += [remote for remote, _ in seed.allies]
    try:
        async with db.transaction() as session:
            for remote in {r.iri: r for r in everyone}.values():
                view = remote.view()
                if not seed.shared_inboxes:
                    view = replace(view, shared_inbox=None)
                await remote_actors.upsert(session, view, {"id": remote.iri})
            for n, (name, followers) in enumerate(seed.orgs.items()):
                pair = generate_key_pair()
                new = NewActor(name, ORGANIZATION, name, "", pair.private_pem, pair.public_pem)
                org = await actors.insert(session, new, now)
                found[name] = await tokens.create(session, org.id, "bench", now)
                org_iri = Urls(settings.base_url).actor(name)
                for remote in followers:
                    await follows.put(session, remote.iri, org_iri, ACCEPTED, None, now)
                for remote, policy in seed.allies if n == 0 else ():
                    await allies.put(session, org.id, remote.iri, policy, (), (), now)
                    await follows.put(session, org_iri, remote.iri, ACCEPTED, None, now)
        if seed.extra is not None:
            await seed.extra(db)
    finally:
        await db.close()
    return found


class Served:
    """A fresh node (`init`, then `seed`) served by `solidarity-node serve` on loopback."""

    def __init__(
        self,
        workdir: Path,
        label: str,
        seed: Seed,
        *,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
        serve_args: Sequence[str] = (),
    ) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.host}"
        self.data_dir = workdir / label
        base_env = bench_env()
        extra = ["--database-url", database_url] if database_url else []
        init = ["init", "--base-url", self.base, "--allow-private-addresses", *extra]
        run_cli(self.data_dir, base_env, *init)
        self.tokens = asyncio.run(seed_database(self.data_dir, seed))
        self.org = next(iter(seed.orgs), "")
        command = node_command(self.data_dir, "serve", "--port", str(self.port))
        self.child = Child(
            f"serve-{label}", [*command, *serve_args], workdir, base_env | (env or {})
        )
        self.http = httpx.Client(base_url=self.base, timeout=30)
        try:
            wait_answers(f"{self.base}/.well-known/nodeinfo", self.child)
        except BaseException:
            self.stop()
            raise

    def actor(self, org: str | None = None) -> str:
        return Urls(self.base).actor(org or self.org)

    def api(
        self, method: str, path: str, body: dict[str, Any] | None = None, org: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[org or self.org]}"}
        return self.http.request(method, f"/api/v1{path}", json=body, headers=headers)

    def deliver(self, sender: Remote, activity: dict[str, Any]) -> int:
        """POST `activity` to the shared inbox, signed by `sender`; the status."""
        return self.post_signed(*self.signed(sender, activity))

    def signed(self, sender: Remote, activity: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """`activity` as a POST to the shared inbox signed by `sender`: body and headers (made
        before a clock starts: loading the sender's key alone takes tens of milliseconds)."""
        body = json.dumps(activity).encode()
        headers = {"Content-Type": AS2}
        key = load_private_key(sender.keys.private_pem)
        now = datetime.now(UTC)
        signed = sign_request("POST", self.inbox, headers, body, sender.key_id, key, now)
        return body, headers | signed

    def post_signed(self, body: bytes, headers: dict[str, str]) -> int:
        return self.http.post(self.inbox, content=body, headers=headers).status_code

    @property
    def inbox(self) -> str:
        return f"{self.base}/inbox"

    def database(self) -> Database:
        return Database(load_settings(self.data_dir, {}).database_url)

    def query(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        async def run() -> Any:
            db = self.database()
            try:
                async with db.transaction() as session:
                    return await work(session)
            finally:
                await db.close()

        return asyncio.run(run())

    def stop(self) -> None:
        self.http.close()
        self.child.stop()


def call_body(title: str, urgency: str = "normal", hours: float = 24.0) -> dict[str, Any]:
    deadline = datetime.fromtimestamp(time.time() + hours * 3600, UTC).isoformat()
    return {
        "title": title,
        "content": "Come to the port.",
        "urgency": urgency,
        "deadline": deadline,
    }
