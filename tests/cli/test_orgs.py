"""`solidarity-node org create|update|list` and `token create` as a user runs them: the real
script in a subprocess."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import cli


def test_init_org_token_happy_path(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    init = cli("init", "--data-dir", data, "--base-url", "https://node.example/")
    assert init.returncode == 0, init.stderr
    assert "https://node.example" in init.stdout
    again = cli("--data-dir", data, "init", "--base-url", "https://node.example")
    assert again.returncode == 0, again.stderr
    created = cli("org", "create", "alpha", "--data-dir", data, "--display-name", "Alpha")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "https://node.example/users/alpha"
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


def test_unknown_organisation_and_bad_names(tmp_path: Path) -> None:
    data = str(tmp_path)
    assert cli("--data-dir", data, "init", "--base-url", "https://n.example").returncode == 0
    unknown = cli("--data-dir", data, "token", "create", "nobody")
    assert unknown.returncode == 1 and "no organisation named 'nobody'" in unknown.stderr
    bad = cli("--data-dir", data, "org", "create", "Bad Name")
    assert bad.returncode == 1 and "not a valid organisation name" in bad.stderr
    changed = cli("--data-dir", data, "init", "--base-url", "https://other.example")
    assert changed.returncode == 1 and "cannot change" in changed.stderr
