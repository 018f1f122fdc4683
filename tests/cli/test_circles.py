"""`solidarity-node circle add|list|remove`, a circle call from the command line and an ally
record naming a circle, run as a user runs them (local organisations: no network needed)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import cli


def test_circle_add_list_remove_and_a_circle_call(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert cli("init", "--data-dir", data, "--base-url", "https://node.example").returncode == 0
    for name in ("alpha", "beta", "gamma"):
        assert cli("org", "create", name, "--data-dir", data).returncode == 0
    beta, gamma = "https://node.example/users/beta", "https://node.example/users/gamma"
    added = cli("circle", "add", "alpha", "inner", "beta@node.example", "--data-dir", data)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == f"inner\t{beta}"
    assert cli("circle", "add", "alpha", "inner", gamma, "--data-dir", data).returncode == 0
    listed = cli("circle", "list", "alpha", "--data-dir", data)
    assert listed.stdout.strip() == f"inner\t{beta} {gamma}"

    ally = cli("ally", "add", "beta", "alpha@node.example", "--circle", "nope", "--data-dir", data)
    assert ally.returncode == 1 and "no circle 'nope'" in ally.stderr
    assert cli("circle", "add", "beta", "onward", gamma, "--data-dir", data).returncode == 0
    ally = cli(
        "ally",
        "add",
        "beta",
        "alpha@node.example",
        "--amplify",
        "auto",
        "--circle",
        "onward",
        "--data-dir",
        data,
    )
    assert ally.returncode == 0, ally.stderr
    assert cli("ally", "list", "beta", "--data-dir", data).stdout.rstrip().endswith("\tonward")

    text = tmp_path / "call.md"
    text.write_text("Two rooms.", encoding="utf-8")
    published = cli(
        "call",
        "publish",
        "alpha",
        str(text),
        "--title",
        "Hidden shelter",
        "--deadline",
        "2099-01-01T00:00Z",
        "--visibility",
        "circle",
        "--circle",
        "inner",
        "--data-dir",
        data,
    )
    assert published.returncode == 0, published.stderr
    refused = cli(
        "call",
        "publish",
        "alpha",
        str(text),
        "--title",
        "x",
        "--deadline",
        "2099-01-01T00:00Z",
        "--visibility",
        "circle",
        "--data-dir",
        data,
    )
    assert refused.returncode == 1 and "'circle' is required" in refused.stderr

    removed = cli("circle", "remove", "alpha", "inner", gamma, "--data-dir", data)
    assert removed.returncode == 0 and removed.stdout.strip() == f"inner\t{beta}"
    deleted = cli("circle", "remove", "alpha", "inner", "--data-dir", data)
    assert deleted.returncode == 0 and "Deleted" in deleted.stdout
    assert cli("circle", "list", "alpha", "--data-dir", data).stdout.strip() == ""
    missing = cli("circle", "remove", "alpha", "inner", "--data-dir", data)
    assert missing.returncode == 1 and json.dumps("inner")[1:-1] in missing.stderr
