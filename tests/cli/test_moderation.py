"""The moderation and federation commands as a user runs them (the real script): a Mastodon
export imported and exported, blocks with severities, the allowlist, lockdown and back, an
admin token, the audit log; bad input is one 'Error:' line and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = str(Path(sys.executable).parent / "solidarity-node")
EXPORT = Path(__file__).parent.parent / "payloads" / "mastodon" / "domain_blocks.csv"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SN_")}
    return subprocess.run(
        [SCRIPT, *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


@pytest.fixture
def data(tmp_path: Path) -> str:
    folder = str(tmp_path / "data")
    made = cli("init", "--data-dir", folder, "--base-url", "https://node.example")
    assert made.returncode == 0, made.stderr
    return folder


def ok(*args: str) -> str:
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_blocks_travel_as_mastodon_csv(data: str) -> None:
    imported = ok("domain", "import", str(EXPORT), "--data-dir", data)
    assert imported.strip() == "Imported 5 blocks; 0 already blocked."
    header, *lines = EXPORT.read_text(encoding="utf-8").splitlines()
    assert ok("domain", "export", "--data-dir", data).splitlines() == [header, *sorted(lines)]
    ok(
        "domain",
        "block",
        "pics.example",
        "--severity",
        "noop",
        "--reject-media",
        "--data-dir",
        data,
    )
    listed = ok("domain", "list", "--data-dir", data)
    assert "pics.example\tnoop\treject-media\t" in listed
    assert "loud.example\tsilence\t-\timported" in listed
    assert ok("domain", "unblock", "pics.example", "--data-dir", data).startswith("Unblocked")


def test_the_allowlist_and_lockdown_round_trip(data: str, tmp_path: Path) -> None:
    allows = tmp_path / "allows.csv"
    allows.write_text("#domain\nfriend.example\n127.0.0.1:8001\n", encoding="utf-8")
    assert ok("federation", "import", str(allows), "--data-dir", data).strip() == (
        "Allowed 2 domains."
    )
    ok("federation", "set", "reduced-pages", "on", "--data-dir", data)
    before = json.loads(ok("federation", "list", "--json", "--data-dir", data))
    assert before["allowed"] == ["127.0.0.1:8001", "friend.example"]
    ok("lockdown", "on", "--data-dir", data)
    locked = cli("federation", "mode", "open", "--data-dir", data)
    assert locked.returncode == 1 and locked.stderr.startswith("Error: the node is locked down")
    assert "Traceback" not in locked.stderr
    ok("lockdown", "off", "--data-dir", data)
    assert json.loads(ok("federation", "list", "--json", "--data-dir", data)) == before
    assert ok("federation", "export", "--data-dir", data) == (
        "#domain\n127.0.0.1:8001\nfriend.example\n"
    )
    text = ok("federation", "list", "--data-dir", data)
    assert "mode\topen" in text and "reduced-pages\ton" in text


def test_admin_tokens_the_audit_log_and_bad_input(data: str) -> None:
    token = ok("admin", "token", "--label", "ops", "--data-dir", data).strip()
    assert token.startswith("sn_")
    ok("federation", "mode", "allowlist", "--data-dir", data)
    entries = [
        json.loads(line) for line in ok("audit", "list", "--json", "--data-dir", data).splitlines()
    ]
    assert [e["action"] for e in entries] == ["federation.mode", "admin.token"]
    assert entries[0]["who"].startswith("cli:") and entries[0]["from"].startswith("command line")
    assert entries[0]["details"] == {"from": "open", "to": "allowlist"}
    for args, message in (
        (["federation", "allow", "not a domain"], "is not a domain name"),
        (["report", "resolve", "7", "--action", "dismiss"], "no report 7"),
        (["federation", "disallow", "never.example"], "is not on the allowlist"),
    ):
        done = cli(*args, "--data-dir", data)
        assert done.returncode == 1, args
        assert message in done.stderr and "Traceback" not in done.stderr
