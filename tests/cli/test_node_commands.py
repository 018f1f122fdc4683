"""`solidarity-node init`, `serve` and `demo` as a user runs them: the real script in a
subprocess; bad input and an unreachable database are one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import SCRIPT, cli


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
            f"{base}/users/demo", headers={"Accept": "application/activity+json"}, timeout=5
        ).json()
        assert actor["type"] == "Organization" and actor["name"]
    finally:
        demo.terminate()
        demo.wait(timeout=15)
        log.close()
    # uvicorn shuts down cleanly, then re-raises the SIGTERM it caught
    assert demo.returncode in (0, -15)
    assert "Application shutdown complete" in (tmp_path / "demo.log").read_text()
