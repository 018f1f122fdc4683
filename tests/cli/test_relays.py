"""`solidarity-node relay add|list|remove` as a user runs it, for the errors a user can make
without any network (subscribing for real: tests/interop/test_relay.py)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import cli


def test_relay_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert cli("init", "--data-dir", data, "--base-url", "https://node.example").returncode == 0
    assert cli("relay", "list", "--data-dir", data).stdout.strip() == ""
    not_url = cli("relay", "add", "relay.example/inbox", "--data-dir", data)
    assert not_url.returncode == 1
    assert not_url.stderr.strip() == "Error: 'relay.example/inbox' is not an http(s) URL"
    private = cli("relay", "add", "https://127.0.0.1:9/actor", "--data-dir", data)
    assert private.returncode == 1 and "cannot read the relay actor" in private.stderr
    assert "Traceback" not in private.stderr
    missing = cli("relay", "remove", "https://relay.example/inbox", "--data-dir", data)
    assert missing.returncode == 1 and "no relay https://relay.example/inbox" in missing.stderr
    bad_style = cli(
        "relay", "add", "https://relay.example/inbox", "--style", "x", "--data-dir", data
    )
    assert bad_style.returncode == 2
