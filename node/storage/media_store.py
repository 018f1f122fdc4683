"""Where media bytes live: one small interface (MediaStore), and the files-on-disk store under
the data directory that every node has by default.

A store holds opaque names (`KEY.EXT`, `copies/KEY.EXT`) chosen by the node, never by a
sender; names are checked so that none can leave the store's folder. Writes are atomic
(a temporary file renamed into place), so a reader sees a whole file or none. An
S3-compatible store implements the same four methods.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from node.errors import NotFound, StorageError

NAME_RE = re.compile(r"^(?:[a-z]+/)?[A-Za-z0-9_-]{8,64}(?:-small)?\.[a-z]{2,5}$")


class MediaStore(Protocol):
    async def put(self, name: str, data: bytes) -> None:
        """Store `data` under `name`, replacing what was there."""

    async def get(self, name: str) -> bytes:
        """The bytes stored under `name`; NotFound when there are none."""

    async def delete(self, name: str) -> None:
        """Remove `name`; nothing happens when it is not there."""

    def local_path(self, name: str) -> Path | None:
        """A file a web server may send as it is, when the store keeps files on this machine."""


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise StorageError(f"{name!r} is not a media file name")
    return name


class LocalMediaStore:
    """Files in one folder (DATA_DIR/media by default), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / check_name(name)

    def local_path(self, name: str) -> Path | None:
        return self.path(name)

    async def put(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path(name), data)

    async def get(self, name: str) -> bytes:
        try:
            return await asyncio.to_thread(self.path(name).read_bytes)
        except FileNotFoundError as exc:
            raise NotFound(f"no media file {name}") from exc

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(self.path(name).unlink, missing_ok=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
            with open(partial, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except OSError as exc:
            raise StorageError(f"cannot write the media file {path.name}: {exc}") from exc
