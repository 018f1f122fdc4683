"""The command line's common ground as a user meets it: every command listed with --data-dir,
and a data directory that cannot be written is one clear line, exit 1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import cli


def test_help_lists_every_command() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("init", "org", "token", "serve", "worker", "demo"):
        assert command in result.stdout
    for sub in (["init"], ["org", "create"], ["token", "create"], ["serve"], ["worker"], ["demo"]):
        helped = cli(*sub, "--help")
        assert helped.returncode == 0 and "--data-dir" in helped.stdout, sub


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; checked via a file below")
def test_data_dir_not_writable_as_user(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = cli("--data-dir", str(locked / "data"), "init", "--base-url", "https://n.example")
    assert result.returncode == 1 and "not writable" in result.stderr


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli("--data-dir", str(blocker / "data"), "init", "--base-url", "https://n.example")
    assert result.returncode == 1 and "not writable" in result.stderr
