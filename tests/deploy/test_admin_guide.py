"""docs/admin.md's Debian steps, followed on loopback: everything but the public certificate
and the machine's own setup (apt, useradd, systemctl, certbot), which need a real server.

What runs is what the guide ships: the example settings file (with this machine's base URL,
database and a test CA put in), the admin command line `deploy/systemd/solidarity-node` (which
sources that file; only its user switch and install path are mapped here), the command lines
of the serve and worker units with the settings as systemd would pass them, and the nginx site
with a test certificate. Each command the guide tells an admin to type is checked to be in the
guide, then run. On the wire through nginx: `check` all ok (the base URL over TLS with Host
intact), HTTP/2 offered, a remote follower's signed Follow accepted and answered, a strategy
delivered to it, the body limit, static caching, request ids in both logs and no addresses.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.ci import require
from tests.support.follower_host import FollowerHost
from tests.support.nginx import Loopback, main_config, render_debian_site, replaced, start_nginx
from tests.support.pg_databases import empty_database
from tests.support.processes import NODE_SCRIPT, Process, free_port, node_env, wait_until
from tests.support.tls import make_test_pki

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
GUIDE = (REPO / "docs" / "admin.md").read_text()
DEPLOY = REPO / "deploy"
INSTALLED = "/opt/solidarity-node/venv/bin/solidarity-node"
TIMEOUT = 30.0
ORG = "climate-justice"


def guide_says(text: str) -> str:
    """`text`, once docs/admin.md is found to say it verbatim."""
    assert text in GUIDE, f"docs/admin.md no longer says: {text}"
    return text


@dataclass
class Machine:
    """The loopback stand-in for the guide's server."""

    folder: Path
    env_file: Path
    wrapper: Path
    pki_ca: Path
    where: Loopback
    processes: list[Process]

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.where.https_port}"

    def admin(self, typed: str) -> str:
        """A `sudo solidarity-node …` line of the guide, run through the shipped wrapper."""
        line = guide_says(typed).replace("https://node.example", self.base_url)
        line = line.replace("/var/backups/solidarity-node", str(self.folder / "backups"))
        words = shlex.split(line)
        assert words[:2] == ["sudo", "solidarity-node"]
        env = node_env() | {"SN_ENV_FILE": str(self.env_file)}
        done = subprocess.run(
            [str(self.wrapper), *words[2:]],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{line}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def unit_command(self, unit: str, instance: int) -> list[str]:
        text = (DEPLOY / "systemd" / unit).read_text()
        start = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE)
        assert start is not None
        line = start.group(1).replace("%i", str(instance))
        return [str(NODE_SCRIPT) if word == INSTALLED else word for word in shlex.split(line)]

    def start_unit(self, unit: str, instance: int) -> Process:
        """The unit's command line with its EnvironmentFile's variables, as systemd runs it."""
        env = node_env() | systemd_environment(self.env_file)
        name = unit.replace("@.service", f"@{instance}")
        process = Process.start(
            name, self.unit_command(unit, instance), env, self.folder, self.folder
        )
        self.processes.append(process)
        return process

    def https(self) -> httpx.Client:
        return httpx.Client(verify=ssl.create_default_context(cafile=str(self.pki_ca)), timeout=30)


def systemd_environment(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (comments, quotes)."""
    found = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip().strip('"')
    return found


def settings_file(folder: Path, where: Loopback, database_url: str, ca: Path) -> Path:
    """deploy/solidarity-node.env.example with what step 3 has the admin edit (and, for
    loopback, private addresses allowed and the test CA trusted)."""
    text = (DEPLOY / "solidarity-node.env.example").read_text()
    text = replaced(text, "SN_DATA_DIR=/var/lib/solidarity-node", f"SN_DATA_DIR={folder / 'data'}")
    base = f"https://localhost:{where.https_port}"
    text = replaced(text, "SN_BASE_URL=https://node.example", f"SN_BASE_URL={base}", 1)
    text = re.sub(r"^SN_DATABASE_URL=.*$", f"SN_DATABASE_URL={database_url}", text, flags=re.M)
    text = replaced(text, "SN_ALLOW_PRIVATE_ADDRESSES=0", "SN_ALLOW_PRIVATE_ADDRESSES=1", 1)
    text = replaced(text, "#SN_CA_FILE=/etc/solidarity-node/extra-ca.pem", f"SN_CA_FILE={ca}", 1)
    path = folder / "solidarity-node.env"
    path.write_text(text)
    return path


def admin_command_line(folder: Path) -> Path:
    """deploy/systemd/solidarity-node, its user switch and install path mapped to this test."""
    if os.geteuid() != 0:
        require("the admin command line must run as root (it checks), and the tests do not")
    text = (DEPLOY / "systemd" / "solidarity-node").read_text()
    text = replaced(text, f"runuser -u solidarity-node -- {INSTALLED}", str(NODE_SCRIPT), 1)
    path = folder / "solidarity-node"
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    pki = make_test_pki(tmp_path / "pki")
    where = Loopback(
        folder=tmp_path / "nginx",
        domain="localhost",
        cert=pki.cert,
        key=pki.key,
        http_port=free_port(),
        https_port=free_port(),
        upstreams=(free_port(),),
    )
    (tmp_path / "backups").mkdir()
    with empty_database("sn_guide") as database_url:
        env_file = settings_file(tmp_path, where, database_url, pki.ca)
        found = Machine(tmp_path, env_file, admin_command_line(tmp_path), pki.ca, where, [])
        try:
            yield found
        finally:
            for process in reversed(found.processes):
                process.stop()


def test_the_debian_steps_on_loopback(machine: Machine) -> None:
    # step 5; step 7 (the site, as sed makes it); step 8
    machine.admin("sudo solidarity-node init --base-url https://node.example")
    guide_says("sed -i 's/node\\.example/YOUR-DOMAIN/g' /etc/nginx/sites-available/solidarity-node")
    machine.processes.append(
        start_nginx(main_config(machine.where, render_debian_site(machine.where)), machine.folder)
    )
    guide_says("systemctl enable --now solidarity-node-serve@8000 solidarity-node-worker@9101")
    serve_port, metrics_port = machine.where.upstreams[0], free_port()
    machine.start_unit("solidarity-node-serve@.service", serve_port)
    worker = machine.start_unit("solidarity-node-worker@.service", metrics_port)
    for port in (serve_port, metrics_port):
        wait_until(lambda p=port: answers(p), f"port {port}", machine.processes, TIMEOUT)
    checked = machine.admin("sudo solidarity-node check")
    assert_all_ok(checked, machine.base_url)

    # step 9, then federation and the API through nginx
    machine.admin(
        'sudo solidarity-node org create climate-justice --display-name "Climate Justice Now"'
    )
    token = machine.admin("sudo solidarity-node token create climate-justice").split()[-1]
    with FollowerHost() as follower, machine.https() as https:
        follow_and_get_accepted(machine, https, follower)
        publish_and_deliver(machine, https, follower, token)
        check_the_proxy(machine, https)
    assert metric(metrics_port, "sn_deliveries_total") >= 2  # the Accept and the Create

    # backups and upgrades
    said = machine.admin("sudo solidarity-node backup /var/backups/solidarity-node/manual.tar.gz")
    assert "Backup written" in said and (machine.folder / "backups" / "manual.tar.gz").is_file()
    assert "already" in machine.admin("sudo solidarity-node migrate")
    worker.popen.terminate()  # systemctl stop: SIGTERM
    assert worker.popen.wait(15) == 0
    assert "Worker stopped." in worker.stdout.read_text()


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def assert_all_ok(output: str, base_url: str) -> None:
    lines = output.strip().splitlines()
    levels = [line.split()[0] for line in lines]
    assert "FAIL" not in levels, output
    warnings = [line for line in lines if line.startswith("warn")]
    assert all("allow_private_addresses" in line for line in warnings), output
    assert any(line.startswith(f"ok    base URL: {base_url} reaches this node") for line in lines)
    assert any(line.startswith("ok    clock (base URL)") for line in lines), output
    assert any(line.startswith("ok    keys:") for line in lines), output


def follow_and_get_accepted(machine: Machine, https: httpx.Client, follower: FollowerHost) -> None:
    target = f"{machine.base_url}/users/{ORG}"
    headers, body = follower.follow(target)
    answer = https.post(f"{target}/inbox", content=body, headers=headers)
    assert answer.status_code == 202, answer.text  # its signature covers Host with the port
    wait_until(lambda: follower.received("Accept"), "the Accept", machine.processes, TIMEOUT)
    actor = https.get(target, headers={"Accept": "application/activity+json"}).json()
    key = actor["publicKey"]["publicKeyPem"]
    assert all(a.verified_by(key) for a in follower.received("Accept"))


def publish_and_deliver(
    machine: Machine, https: httpx.Client, follower: FollowerHost, token: str
) -> None:
    made = https.post(
        f"{machine.base_url}/api/v1/strategies",
        headers={"Authorization": f"Bearer {token}"},
        json={"title": "Blockade plan", "content": "Meet at the gate."},
    )
    assert made.status_code == 201, made.text
    wait_until(lambda: follower.received("Create"), "the Create", machine.processes, TIMEOUT)
    assert follower.received("Create")[0].activity["object"]["id"] == made.json()["id"]


def check_the_proxy(machine: Machine, https: httpx.Client) -> None:
    inbox = f"{machine.base_url}/inbox"
    too_big = https.post(inbox, content=b"x" * ((1 << 20) + 1))
    assert too_big.status_code == 413
    css = https.get(f"{machine.base_url}/static/site.css")
    assert css.status_code == 200 and "max-age=2592000" in css.headers["cache-control"]
    assert "strict-transport-security" in css.headers
    page = https.get(f"{machine.base_url}/metrics")  # from 127.0.0.1: the machine itself
    assert page.status_code == 200
    request_id = https.get(f"{machine.base_url}/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, kept by the node
    access = (machine.where.folder / "solidarity-node.access.log").read_text()
    assert request_id in access and "127.0.0.1" not in access
    assert offered_protocol(machine.where.https_port, machine.pki_ca) == "h2"


def offered_protocol(port: int, ca: Path) -> str | None:
    context = ssl.create_default_context(cafile=str(ca))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.selected_alpn_protocol()


def metric(port: int, name: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(
        s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name
    )
