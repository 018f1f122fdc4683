"""Backup archives refuse what they cannot restore faithfully: a data directory that is not
empty, a damaged file, an archive that is not a node's backup; and write nothing half-way."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from node.cli import archives
from node.clock import FrozenClock
from node.config import write_config
from node.errors import StorageError
from node.federation.runtime import Runtime
from tests.support.postgres import drop_database, pg_execute, postgres_admin_url


@pytest.fixture
async def archive(node: Runtime, alpha: str, tmp_path: Path, clock: FrozenClock) -> Path:
    write_config(node.settings)
    target = tmp_path / "backups" / "node.tar.gz"
    snapshot = await archives.write_backup(node.settings, target, clock)
    assert snapshot.rows["actors"] == 2
    return target


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def rewrite(path: Path, changed: dict[str, bytes]) -> Path:
    out = path.with_name("changed.tar.gz")
    with tarfile.open(out, "w:gz") as tar:
        for name, data in (members(path) | changed).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def private(path: Path) -> bool:
    return path.stat().st_mode & 0o077 == 0


async def test_the_archive_is_private_and_lists_what_it_holds(archive: Path) -> None:
    assert private(archive)
    found = members(archive)
    manifest = json.loads(found["manifest.json"])
    assert set(found) == {"manifest.json", *manifest["files"]}
    assert manifest["software"] == "solidarity-node" and manifest["rows"]["actors"] == 2
    assert not list(archive.parent.glob(".backup-*"))  # no leftovers beside it


async def test_restore_wants_an_empty_data_directory(archive: Path, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something").write_text("x")
    with pytest.raises(StorageError, match="not empty"):
        await archives.restore_backup(archive, busy, None)


async def test_a_damaged_file_is_refused_and_nothing_is_left(
    archive: Path, tmp_path: Path, node: Runtime
) -> None:
    database = "node.db" if node.db.dialect == "sqlite" else "database.pgdump"
    damaged = rewrite(archive, {database: members(archive)[database][:-10] + b"0123456789"})
    target = tmp_path / "restored"
    with pytest.raises(StorageError, match="damaged"):
        await archives.restore_backup(damaged, target, None)
    assert list(target.iterdir()) == []


async def test_an_archive_of_something_else_is_refused(archive: Path, tmp_path: Path) -> None:
    manifest = json.loads(members(archive)["manifest.json"])
    other = rewrite(archive, {"manifest.json": json.dumps(manifest | {"software": "x"}).encode()})
    with pytest.raises(StorageError, match="not a backup"):
        await archives.restore_backup(other, tmp_path / "a", None)
    rows = manifest | {"rows": {"actors; DROP TABLE actors": 1}}
    sneaky = rewrite(archive, {"manifest.json": json.dumps(rows).encode()})
    with pytest.raises(StorageError, match="rows"):
        await archives.restore_backup(sneaky, tmp_path / "b", None)


async def test_a_backup_restores_and_its_counts_match(
    archive: Path, tmp_path: Path, node: Runtime
) -> None:
    target = tmp_path / "restored"
    if node.db.dialect == "sqlite":
        restored = await archives.restore_backup(archive, target, None)
        assert (target / "node.db").is_file()
    else:
        admin = postgres_admin_url()
        assert admin is not None
        name = f"sn_restore_{secrets.token_hex(4)}"
        await pg_execute(admin, f'CREATE DATABASE "{name}"')
        try:
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)
            restored = await archives.restore_backup(archive, target, url)
        finally:
            await drop_database(admin, name)
    assert restored.snapshot.rows["actors"] == 2
    assert private(target / "config.toml")
