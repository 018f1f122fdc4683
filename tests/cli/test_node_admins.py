"""`admin add|list|remove EMAIL` and owner actions (org create|update, token create) as a user
runs them (the real script): audited as this machine's login, never with a token's secret; a
bad email or an unknown admin is one 'Error:' line and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = str(Path(sys.executable).parent / "solidarity-node")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SN_")}
    return subprocess.run(
        [SCRIPT, *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


def ok(*args: str) -> str:
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def data(tmp_path: Path) -> str:
    folder = str(tmp_path / "data")
    ok("init", "--data-dir", folder, "--base-url", "https://node.example")
    return folder


def test_admins_are_added_listed_removed_and_audited(data: str) -> None:
    added = ok("admin", "add", "Ana@Node.Example", "--data-dir", data)
    assert added.strip() == "ana@node.example is a node admin."
    ok("admin", "add", "bo@node.example", "--data-dir", data)
    listed = [line.split("\t") for line in ok("admin", "list", "--data-dir", data).splitlines()]
    assert [row[0] for row in listed] == ["ana@node.example", "bo@node.example"]
    assert all(row[2].startswith("cli:") for row in listed)
    removed = ok("admin", "remove", "ana@node.example", "--data-dir", data)
    assert removed.strip() == "ana@node.example is no longer a node admin."
    assert ok("admin", "list", "--data-dir", data).startswith("bo@node.example\t")

    shown = ok("audit", "list", "--action", "admin", "--json", "--data-dir", data)
    entries = [json.loads(line) for line in shown.splitlines()]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("admin.remove", "ana@node.example"),
        ("admin.add", "bo@node.example"),
        ("admin.add", "ana@node.example"),
    ]
    for args, message in (
        (["admin", "add", "not an email"], "is not an email address"),
        (["admin", "remove", "ana@node.example"], "is not a node admin"),
    ):
        done = cli(*args, "--data-dir", data)
        assert done.returncode == 1, args
        assert message in done.stderr and "Traceback" not in done.stderr


def test_owner_actions_are_audited_without_their_secrets(data: str) -> None:
    ok("org", "create", "alpha", "--data-dir", data)
    token = ok("token", "create", "alpha", "--label", "phone", "--data-dir", data).strip()
    ok("org", "update", "alpha", "--display-name", "Alpha Collective", "--data-dir", data)
    shown = ok("audit", "list", "--json", "--data-dir", data)
    assert token not in shown
    entries = [json.loads(line) for line in shown.splitlines()]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("org.update", "alpha"),
        ("token.create", "alpha"),
        ("org.create", "alpha"),
    ]
    assert entries[0]["details"] == {"display_name": "Alpha Collective"}
    assert entries[1]["details"] == {"label": "phone"}
    assert all(e["who"].startswith("cli:") for e in entries)
