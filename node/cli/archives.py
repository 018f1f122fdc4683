"""Backup archives: one gzipped tar of manifest.json, config.toml and a consistent snapshot of
the database (node.db for SQLite, database.pgdump for PostgreSQL). The keys live in the
database, so the archive holds every private key: it is written readable by its owner only.

The manifest names the migration, the rows of every table and each file's SHA-256; restoring
checks all three, into a data directory that is empty, and then migrates to this release.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import tomli_w

from node import SOFTWARE_NAME, __version__
from node.clock import Clock
from node.config import CONFIG_FILE, Settings, default_database_url, validate_database_url
from node.errors import StorageError
from node.storage import snapshots
from node.storage.db import is_sqlite
from node.storage.snapshots import Snapshot

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "node.db", "postgresql": "database.pgdump"}
CHUNK = 1 << 20
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Restored:
    data_dir: Path
    database_url: str
    snapshot: Snapshot
    base_url: str


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


async def write_backup(settings: Settings, target: Path, clock: Clock) -> Snapshot:
    """Write the archive to `target` (through a temporary file beside it, then renamed)."""
    dialect = "sqlite" if is_sqlite(settings.database_url) else "postgresql"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as work:
        database = Path(work) / DATABASE_FILES[dialect]
        snapshot = await snapshots.take(settings.database_url, database)
        config = Path(work) / CONFIG_FILE
        config.write_bytes((settings.data_dir / CONFIG_FILE).read_bytes())
        manifest = {
            "format": FORMAT,
            "software": SOFTWARE_NAME,
            "version": __version__,
            "created": clock.now().isoformat(),
            "base_url": settings.base_url,
            "dialect": snapshot.dialect,
            "migration": snapshot.revision,
            "rows": snapshot.rows,
            "files": {CONFIG_FILE: sha256(config), database.name: sha256(database)},
        }
        partial = Path(work) / "archive.tar.gz"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
            tar.add(config, arcname=CONFIG_FILE)
            tar.add(database, arcname=database.name)
        os.replace(partial, target)
    return snapshot


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        manifest = json.loads(_member(tar, MANIFEST).read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise StorageError(f"the archive's {MANIFEST} is not JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("software") != SOFTWARE_NAME:
        raise StorageError("this is not a backup of a Solidarity Node")
    if manifest.get("format") != FORMAT:
        raise StorageError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    if manifest.get("dialect") not in DATABASE_FILES:
        raise StorageError(f"unknown database kind {manifest.get('dialect')!r}")
    rows, files = manifest.get("rows"), manifest.get("files")
    if not isinstance(rows, dict) or not all(
        TABLE_NAME.fullmatch(str(t)) and isinstance(n, int) for t, n in rows.items()
    ):
        raise StorageError(f"the archive's {MANIFEST} lists its rows wrongly")
    wanted = {CONFIG_FILE, DATABASE_FILES[manifest["dialect"]]}
    if not isinstance(files, dict) or set(files) != wanted:
        raise StorageError(f"the archive's {MANIFEST} should list exactly {sorted(wanted)}")
    return manifest


def _member(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    try:
        found = tar.extractfile(name)
    except KeyError:
        found = None
    if found is None:
        raise StorageError(f"the archive has no {name}")
    return found


def _extract(tar: tarfile.TarFile, name: str, expected: str, folder: Path) -> Path:
    """Copy one member (read by name: no path of the archive reaches the disk) and check it."""
    path = folder / name
    with _member(tar, name) as source, path.open("wb") as target:
        while block := source.read(CHUNK):
            target.write(block)
    if sha256(path) != expected:
        raise StorageError(f"{name} in the archive is damaged (its SHA-256 differs)")
    return path


def check_empty(data_dir: Path) -> None:
    if data_dir.exists() and any(data_dir.iterdir()):
        raise StorageError(f"{data_dir} is not empty; restore into a new data directory")


async def restore_backup(archive: Path, data_dir: Path, database_url: str | None) -> Restored:
    """Restore into `data_dir` (empty or absent); a PostgreSQL backup into an empty database
    (`database_url`, else the one the backed-up configuration names)."""
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir.parent) as work:
        manifest, files = await asyncio.to_thread(unpack, archive, data_dir, Path(work))
        raw = tomllib.loads(files[CONFIG_FILE].read_text(encoding="utf-8"))
        url = _target_url(manifest["dialect"], raw, data_dir, database_url)
        dialect = manifest["dialect"]
        try:
            await snapshots.put_back(url, files[DATABASE_FILES[dialect]], dialect)
            await asyncio.to_thread(write_private, data_dir / CONFIG_FILE, tomli_w.dumps(raw))
        except BaseException:
            await asyncio.to_thread(empty, data_dir)  # as it was, for another attempt
            raise
    found = await snapshots.describe(url, list(manifest["rows"]))
    _compare(manifest, found)
    return Restored(data_dir, url, found, str(manifest.get("base_url", "")))


def unpack(archive: Path, data_dir: Path, work: Path) -> tuple[dict[str, Any], dict[str, Path]]:
    """The manifest and the checked files of an archive, once `data_dir` is found empty."""
    check_empty(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            manifest = read_manifest(tar)
            files = {
                name: _extract(tar, name, digest, work)
                for name, digest in manifest["files"].items()
            }
    except (OSError, tarfile.TarError) as exc:
        raise StorageError(f"cannot read {archive}: {exc}") from exc
    return manifest, files


def write_private(path: Path, text: str) -> None:
    """A file only its owner reads (config.toml may hold the database's password)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def empty(data_dir: Path) -> None:
    for leftover in data_dir.iterdir():
        leftover.unlink()


def _target_url(dialect: str, raw: dict[str, Any], data_dir: Path, given: str | None) -> str:
    """The database to restore into; config.toml is changed to name it."""
    if dialect == "sqlite":
        url = validate_database_url(given) if given else default_database_url(data_dir)
        if url == default_database_url(data_dir):
            raw.pop("database_url", None)
        else:
            raw["database_url"] = url
        return url
    chosen = given or raw.get("database_url")
    if not isinstance(chosen, str) or is_sqlite(chosen):
        raise StorageError("a PostgreSQL backup needs --database-url postgresql+asyncpg://…")
    raw["database_url"] = validate_database_url(chosen)
    return chosen


def _compare(manifest: dict[str, Any], found: Snapshot) -> None:
    if found.revision != manifest.get("migration"):
        raise StorageError(
            f"restored database is at migration {found.revision}, the backup at "
            f"{manifest.get('migration')}"
        )
    expected = manifest.get("rows", {})
    wrong = {t: (n, found.rows.get(t)) for t, n in expected.items() if found.rows.get(t) != n}
    if wrong:
        described = ", ".join(f"{t}: {got} of {n}" for t, (n, got) in sorted(wrong.items()))
        raise StorageError(f"restored rows differ from the backup's: {described}")
