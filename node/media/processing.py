"""One entry point for a file someone wants published: its format from its bytes, then the
picture or document made anew within the limits (images.py, documents.py).

`process()` is pure and CPU-heavy; `process_off_loop()` runs it in a worker thread, at most
CONCURRENT at a time per process, so that decoding never blocks the event loop and a burst of
uploads cannot take every core. Pillow and pypdf are imported by the first file, not by a
node that merely starts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from node.config import MediaLimits
from node.media.formats import Format, sniff
from node.publication import MediaKind

CONCURRENT: Final = 2
THUMBNAIL_TYPE: Final = "image/webp"


@dataclass(frozen=True)
class Processed:
    """A file ready to store and serve: its bytes and what is known of them."""

    format: Format
    data: bytes
    width: int | None = None
    height: int | None = None
    blurhash: str | None = None
    thumbnail: bytes | None = None
    thumbnail_type: str | None = None

    @property
    def kind(self) -> MediaKind:
        return self.format.kind

    @property
    def media_type(self) -> str:
        return self.format.media_type


def process(data: bytes, limits: MediaLimits) -> Processed:
    """`data` made safe to publish, or InvalidInput / UnsupportedMediaType / PayloadTooLarge."""
    fmt = sniff(data)
    if fmt.kind is MediaKind.DOCUMENT:
        from node.media.documents import process_pdf  # pypdf: loaded by the first document

        return Processed(fmt, process_pdf(data, limits))
    from node.media.images import process_image  # Pillow: loaded by the first picture

    picture = process_image(data, fmt, limits)
    return Processed(
        fmt,
        picture.data,
        picture.width,
        picture.height,
        picture.blurhash,
        picture.thumbnail,
        THUMBNAIL_TYPE,
    )


class Processor:
    """Runs process() in threads, a few at a time (one per node: hold it in the Runtime)."""

    def __init__(self, limits: MediaLimits, concurrent: int = CONCURRENT) -> None:
        self.limits = limits
        self._slots = asyncio.Semaphore(concurrent)

    async def process(self, data: bytes) -> Processed:
        async with self._slots:
            return await asyncio.to_thread(process, data, self.limits)
