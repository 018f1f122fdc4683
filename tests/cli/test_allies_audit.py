"""`ally add|remove` and `circle add|remove` as a user runs them (the real script), on SQLite
and PostgreSQL: each change is audited as this machine's login with its target and details;
a refused change is one 'Error:' line, exit 1, and no entry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.pg_databases import empty_database

BETA = "https://node.example/users/beta"
GAMMA = "https://node.example/users/gamma"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The data directory's flag and the environment: SQLite in it, or a new PostgreSQL."""
    if request.param == "sqlite":
        yield {}
        return
    with empty_database("sn_allies_audit") as url:
        yield {"SN_DATABASE_URL": url}


class Node:
    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.data, self.env = str(folder), env

    def run(self, *args: str, fails: str = "") -> str:
        done = cli(*args, "--data-dir", self.data, env=self.env)
        if fails:
            assert done.returncode == 1 and fails in done.stderr, done.stderr
            assert done.stderr.startswith("Error: ") and "Traceback" not in done.stderr
        else:
            assert done.returncode == 0, done.stderr
        return done.stdout

    def audited(self) -> list[dict[str, object]]:
        """Ally and circle entries, oldest first."""
        shown = self.run("audit", "list", "--limit", "500", "--json")
        found = [json.loads(line) for line in shown.splitlines()]
        return [e for e in reversed(found) if str(e["action"]).startswith(("ally.", "circle."))]


@pytest.fixture
def node(tmp_path: Path, env: dict[str, str]) -> Node:
    made = Node(tmp_path / "data", env)
    made.run("init", "--base-url", "https://node.example")
    for name in ("alpha", "beta", "gamma"):
        made.run("org", "create", name)
    assert (tmp_path / "data" / "node.db").exists() == (not env)  # the database asked for
    return made


def test_ally_changes_are_audited_and_refusals_are_not(node: Node) -> None:
    added = node.run("ally", "add", "alpha", "beta@node.example", "--amplify", "urgent")
    ally_id = added.split("\t")[0]
    node.run("ally", "add", "alpha", BETA, "--amplify", "auto", "--region", "PL")
    node.run("ally", "add", "alpha", BETA, "--circle", "nope", fails="no circle 'nope'")
    node.run("ally", "add", "alpha", "alpha@node.example", fails="cannot be its own ally")
    node.run("ally", "remove", "beta", ally_id, fails=f"no ally {ally_id}")
    node.run("ally", "remove", "alpha", ally_id)
    node.run("ally", "remove", "alpha", ally_id, fails=f"no ally {ally_id}")

    entries = node.audited()
    assert [(e["action"], e["target"]) for e in entries] == [
        ("ally.add", BETA),
        ("ally.update", BETA),
        ("ally.remove", BETA),
    ]
    assert all(str(e["who"]).startswith("cli:") for e in entries)
    assert all(str(e["from"]).startswith("command line on ") for e in entries)
    assert entries[0]["details"] == {
        "org": "alpha",
        "id": int(ally_id),
        "amplify": "urgent",
        "regions": [],
        "themes": [],
        "circle": None,
        "followed": True,
    }
    updated = entries[1]["details"]
    assert isinstance(updated, dict) and updated["regions"] == ["PL"]
    assert updated["was"]["amplify"] == "urgent"


def test_circle_changes_are_audited_and_refusals_are_not(node: Node) -> None:
    node.run("circle", "add", "alpha", "inner", "beta@node.example")
    node.run("circle", "add", "alpha", "inner", BETA, GAMMA)
    node.run("circle", "add", "alpha", "Bad Name", BETA, fails="circle")
    node.run("circle", "remove", "alpha", "inner", GAMMA)
    node.run("circle", "remove", "alpha", "nope", GAMMA, fails="no circle 'nope'")
    node.run("circle", "remove", "alpha", "inner")
    node.run("circle", "remove", "alpha", "inner", fails="no circle 'inner'")

    entries = node.audited()
    assert [(e["action"], e["target"], e["details"]) for e in entries] == [
        ("circle.create", "inner", {"org": "alpha", "members": [BETA]}),
        ("circle.members.add", "inner", {"org": "alpha", "members": [GAMMA]}),
        ("circle.members.remove", "inner", {"org": "alpha", "members": [GAMMA]}),
        ("circle.delete", "inner", {"org": "alpha", "members": 1}),
    ]
    assert all(str(e["who"]).startswith("cli:") for e in entries)
