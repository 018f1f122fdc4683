"""`solidarity-node domain block|unblock|list` as an admin runs them: the real script in a
subprocess; a block covers the domain as typed or pasted (scheme, path and case dropped), and
mistakes are one line, exit 1."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import cli


def test_domains_are_blocked_listed_and_unblocked_and_mistakes_refused(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert cli("init", "--data-dir", data, "--base-url", "https://node.example").returncode == 0
    blocked = cli(
        "domain", "block", "https://Spam.Example/about", "--reason", "spam", "--data-dir", data
    )
    assert blocked.returncode == 0 and blocked.stdout.strip() == "Blocked spam.example."
    assert cli("domain", "block", "evil.example", "--data-dir", data).returncode == 0
    listed = cli("domain", "list", "--data-dir", data)
    assert listed.stdout.splitlines() == ["evil.example\t", "spam.example\tspam"]

    lifted = cli("domain", "unblock", "spam.example", "--data-dir", data)
    assert lifted.returncode == 0 and lifted.stdout.strip() == "Unblocked spam.example."
    again = cli("domain", "unblock", "spam.example", "--data-dir", data)
    assert again.returncode == 1 and again.stderr.strip() == "Error: spam.example was not blocked"
    for bad in ("localhost", "spam example.org"):
        refused = cli("domain", "block", bad, "--data-dir", data)
        assert refused.returncode == 1, bad
        assert "is not a domain like example.org" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert cli("domain", "list", "--data-dir", data).stdout.splitlines() == ["evil.example\t"]
