"""The command line as a user runs it: the real script in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = str(Path(sys.executable).parent / "solidarity-node")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SN_")} | (env or {})
    return subprocess.run(
        [SCRIPT, *args], capture_output=True, text=True, timeout=60, env=full_env, check=False
    )


def test_help_lists_every_command() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("init", "org", "token", "serve", "worker", "demo"):
        assert command in result.stdout
    for sub in (["init"], ["org", "create"], ["token", "create"], ["serve"], ["worker"], ["demo"]):
        helped = cli(*sub, "--help")
        assert helped.returncode == 0 and "--data-dir" in helped.stdout, sub


def test_init_org_token_happy_path(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    init = cli("init", "--data-dir", data, "--base-url", "https://node.example/")
    assert init.returncode == 0, init.stderr
    assert "https://node.example" in init.stdout
    again = cli("--data-dir", data, "init", "--base-url", "https://node.example")
    assert again.returncode == 0, again.stderr
    created = cli("org", "create", "alpha", "--data-dir", data, "--display-name", "Alpha")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "https://node.example/orgs/alpha"
    token = cli("token", "create", "alpha", env={"SN_DATA_DIR": data})
    assert token.returncode == 0 and token.stdout.strip().startswith("sn_")
    listed = cli("org", "list", "--data-dir", data)
    assert "@alpha@node.example" in listed.stdout and "max hops 6" in listed.stdout
    capped = cli("org", "update", "alpha", "--max-hops", "3", "--data-dir", data)
    assert capped.returncode == 0, capped.stderr
    assert "max hops 3" in cli("org", "list", "--data-dir", data).stdout
    for bad in ("0", "21"):
        refused = cli("org", "update", "alpha", "--max-hops", bad, "--data-dir", data)
        assert refused.returncode == 1 and "max hops must be from 1 to 20" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "max hops 3" in cli("org", "list", "--data-dir", data).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "--base-url", "ftp://node.example"], "must look like https://"),
        (["init", "--base-url", "https://node.example/path"], "no path"),
        (["init", "--base-url", "https://node.example:99999"], "bad port"),
        (["init", "--base-url", "https://x", "--database-url", "mysql://x"], "must start with"),
        (["org", "create", "alpha"], "run 'solidarity-node init' first"),
        (["init"], "Missing option '--base-url'"),
    ],
)
def test_bad_input_is_a_message_and_non_zero_exit(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = cli("--data-dir", str(tmp_path / "d"), *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_organisation_and_bad_names(tmp_path: Path) -> None:
    data = str(tmp_path)
    assert cli("--data-dir", data, "init", "--base-url", "https://n.example").returncode == 0
    unknown = cli("--data-dir", data, "token", "create", "nobody")
    assert unknown.returncode == 1 and "no organisation named 'nobody'" in unknown.stderr
    bad = cli("--data-dir", data, "org", "create", "Bad Name")
    assert bad.returncode == 1 and "not a valid organisation name" in bad.stderr
    changed = cli("--data-dir", data, "init", "--base-url", "https://other.example")
    assert changed.returncode == 1 and "cannot change" in changed.stderr


def test_unreachable_database(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://sn:hunter2@127.0.0.1:1/sn"
    result = cli(
        "--data-dir",
        str(tmp_path),
        "init",
        "--base-url",
        "https://n.example",
        "--database-url",
        url,
    )
    assert result.returncode == 1
    assert "cannot migrate the database" in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
    assert (
        cli("--data-dir", str(tmp_path), "init", "--base-url", "https://n.example").returncode == 0
    )
    served = cli("--data-dir", str(tmp_path), "serve", "--port", "1", env={"SN_DATABASE_URL": url})
    assert served.returncode == 1 and "database unreachable" in served.stderr
    assert "hunter2" not in served.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; checked via a file below")
def test_data_dir_not_writable_as_user(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = cli("--data-dir", str(locked / "data"), "init", "--base-url", "https://n.example")
    assert result.returncode == 1 and "not writable" in result.stderr


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli("--data-dir", str(blocker / "data"), "init", "--base-url", "https://n.example")
    assert result.returncode == 1 and "not writable" in result.stderr


def test_demo_initialises_and_serves_a_demo_organisation(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SN_")}
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen(
        [SCRIPT, "--data-dir", str(tmp_path / "data"), "demo", "--port", str(port)],
        stdout=log,
        stderr=log,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                found = httpx.get(
                    f"{base}/.well-known/webfinger",
                    params={"resource": f"acct:demo@127.0.0.1:{port}"},
                    timeout=2,
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
                time.sleep(0.2)
        assert found.status_code == 200
        actor = httpx.get(
            f"{base}/orgs/demo", headers={"Accept": "application/activity+json"}, timeout=5
        ).json()
        assert actor["type"] == "Organization" and actor["name"]
    finally:
        demo.terminate()
        demo.wait(timeout=15)
        log.close()
    # uvicorn shuts down cleanly, then re-raises the SIGTERM it caught
    assert demo.returncode in (0, -15)
    assert "Application shutdown complete" in (tmp_path / "demo.log").read_text()
