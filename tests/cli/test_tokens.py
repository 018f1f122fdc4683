"""The data directory and its secrets are the owner's alone, and API tokens can be listed,
revoked and given an expiry from the command line (the real script in a subprocess)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

SCRIPT = str(Path(sys.executable).parent / "solidarity-node")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SN_")}
    return subprocess.run(
        [SCRIPT, *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_is_0700_and_its_secrets_0600(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = os.umask(0o022)  # the usual umask would leave files world-readable
    try:
        made = cli("init", "--data-dir", str(data), "--base-url", "https://node.example")
    finally:
        os.umask(old)
    assert made.returncode == 0, made.stderr
    assert mode(data) == 0o700
    assert mode(data / "config.toml") == 0o600
    for name in os.listdir(data):
        if name.startswith("node.db"):
            assert mode(data / name) == 0o600, name
    (data / "node.db").chmod(0o644)  # a database made earlier is tightened by init
    again = cli("init", "--data-dir", str(data), "--base-url", "https://node.example")
    assert again.returncode == 0, again.stderr
    assert mode(data / "node.db") == 0o600


def test_tokens_are_listed_revoked_and_expire(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert cli("init", "--data-dir", data, "--base-url", "https://node.example").returncode == 0
    assert cli("org", "create", "alpha", "--data-dir", data).returncode == 0
    first = cli("token", "create", "alpha", "--label", "laptop", "--data-dir", data)
    second = cli("token", "create", "alpha", "--expires", "30", "--data-dir", data)
    assert first.returncode == second.returncode == 0
    assert first.stdout.startswith("sn_") and second.stdout.startswith("sn_")
    listed = cli("token", "list", "alpha", "--data-dir", data).stdout.splitlines()
    assert len(listed) == 2
    assert listed[0].startswith("1\tlaptop\t") and "never expires" in listed[0]
    assert "expires 20" in listed[1] and "never used" in listed[1]
    assert first.stdout.strip() not in "\n".join(listed)  # secrets are shown once
    revoked = cli("token", "revoke", "alpha", "1", "--data-dir", data)
    assert revoked.returncode == 0 and "Revoked token 1" in revoked.stdout
    assert len(cli("token", "list", "alpha", "--data-dir", data).stdout.splitlines()) == 1
    missing = cli("token", "revoke", "alpha", "1", "--data-dir", data)
    assert missing.returncode == 1 and "alpha has no token 1" in missing.stderr
    bad = cli("token", "create", "alpha", "--expires", "0", "--data-dir", data)
    assert bad.returncode == 1 and "1 to 3650 days" in bad.stderr
    assert "Traceback" not in bad.stderr + missing.stderr
