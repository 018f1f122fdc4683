"""`solidarity-node member add|link|list|remove`, run as a user runs it: the printed link is the
node's own one-time sign-in address; errors are one line and exit 1."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.cli import cli

LINK = re.compile(r"^https://node\.example/workspace/welcome/[A-Za-z0-9_-]{40,}$")


def test_member_add_list_link_remove(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert cli("init", "--data-dir", data, "--base-url", "https://node.example").returncode == 0
    assert cli("org", "create", "alpha", "--data-dir", data).returncode == 0
    added = cli("member", "add", "alpha", "Ana@Example.org", "--role", "owner", "--data-dir", data)
    assert added.returncode == 0, added.stderr
    assert LINK.match(added.stdout.strip()), added.stdout
    listed = cli("member", "list", "alpha", "--data-dir", data)
    assert listed.stdout.strip() == "ana@example.org\towner\tinvited\t-"
    again = cli("member", "link", "alpha", "ana@example.org", "--data-dir", data)
    assert LINK.match(again.stdout.strip()) and again.stdout != added.stdout
    twice = cli("member", "add", "alpha", "ana@example.org", "--role", "editor", "--data-dir", data)
    assert twice.returncode == 1 and "already a member" in twice.stderr
    bad_role = cli("member", "add", "alpha", "bo@example.org", "--role", "boss", "--data-dir", data)
    assert bad_role.returncode == 2
    bad_email = cli("member", "add", "alpha", "nope", "--role", "editor", "--data-dir", data)
    assert bad_email.returncode == 1 and "not an email address" in bad_email.stderr
    removed = cli("member", "remove", "alpha", "ana@example.org", "--data-dir", data)
    assert removed.returncode == 0
    assert cli("member", "list", "alpha", "--data-dir", data).stdout.strip() == ""
    missing = cli("member", "remove", "alpha", "ana@example.org", "--data-dir", data)
    assert missing.returncode == 1 and "not a member of alpha" in missing.stderr
