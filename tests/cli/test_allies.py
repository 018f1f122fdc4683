"""`solidarity-node ally add|list|remove`, run as a user runs it (another local organisation
as the ally, so no network is needed)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import cli


def test_ally_add_list_remove(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert cli("init", "--data-dir", data, "--base-url", "https://node.example").returncode == 0
    for name in ("alpha", "beta"):
        assert cli("org", "create", name, "--data-dir", data).returncode == 0
    added = cli(
        "ally",
        "add",
        "alpha",
        "beta@node.example",
        "--amplify",
        "urgent",
        "--region",
        "PL",
        "--data-dir",
        data,
    )
    assert added.returncode == 0, added.stderr
    ally_id = added.stdout.split("\t")[0]
    listed = cli("ally", "list", "alpha", "--data-dir", data)
    assert "https://node.example/users/beta\turgent\tPL" in listed.stdout
    bad = cli(
        "ally", "add", "alpha", "beta@node.example", "--amplify", "always", "--data-dir", data
    )
    assert bad.returncode != 0
    assert cli("ally", "remove", "alpha", ally_id, "--data-dir", data).returncode == 0
    assert cli("ally", "list", "alpha", "--data-dir", data).stdout.strip() == ""
    missing = cli("ally", "remove", "alpha", "999", "--data-dir", data)
    assert missing.returncode == 1 and "no ally 999" in missing.stderr
