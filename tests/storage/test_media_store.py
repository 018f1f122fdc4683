"""The files-on-disk media store: atomic writes, and names that cannot leave its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.errors import NotFound, StorageError
from node.storage.media_store import LocalMediaStore


async def test_put_get_delete(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    await store.put("abcdefgh12.jpg", b"one")
    await store.put("copies/abcdefgh12-small.webp", b"two")
    assert await store.get("abcdefgh12.jpg") == b"one"
    assert store.local_path("copies/abcdefgh12-small.webp") == (
        tmp_path / "media" / "copies" / "abcdefgh12-small.webp"
    )
    await store.put("abcdefgh12.jpg", b"three")
    assert await store.get("abcdefgh12.jpg") == b"three"
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == ["abcdefgh12.jpg", "copies"]
    await store.delete("abcdefgh12.jpg")
    await store.delete("abcdefgh12.jpg")
    with pytest.raises(NotFound):
        await store.get("abcdefgh12.jpg")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/etc/passwd", "a/../../x.jpg", "short.jpg", "abcdefgh12", ""]
)
async def test_names_are_the_nodes_own(tmp_path: Path, name: str) -> None:
    store = LocalMediaStore(tmp_path)
    with pytest.raises(StorageError):
        await store.put(name, b"x")
