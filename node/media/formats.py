"""The formats the node takes, and telling them apart by their bytes alone.

JPEG, PNG, WebP and GIF pictures, and PDF documents. A file's name and the type its sender
declared are never read: the type is the one its first bytes show, and a picture must then
decode as that same format. Markup (SVG, HTML, XML) is refused by name, with a clear message:
served from this node's origin it could run scripts in a visitor's browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from node.errors import InvalidInput, UnsupportedMediaType
from node.publication import MediaKind


@dataclass(frozen=True)
class Format:
    media_type: str
    extension: str
    kind: MediaKind
    pillow: str | None  # Pillow's name for it; None for documents


JPEG: Final = Format("image/jpeg", "jpg", MediaKind.IMAGE, "JPEG")
PNG: Final = Format("image/png", "png", MediaKind.IMAGE, "PNG")
WEBP: Final = Format("image/webp", "webp", MediaKind.IMAGE, "WEBP")
GIF: Final = Format("image/gif", "gif", MediaKind.IMAGE, "GIF")
PDF: Final = Format("application/pdf", "pdf", MediaKind.DOCUMENT, None)
FORMATS: Final = (JPEG, PNG, WEBP, GIF, PDF)
BY_MEDIA_TYPE: Final = {f.media_type: f for f in FORMATS}
ACCEPTED: Final = "JPEG, PNG, WebP or GIF pictures, or PDF documents"

MARKUP_RE: Final = re.compile(
    rb"^\s*(?:<\?xml|<!doctype|<!--|<svg|<html|<head|<body|<script|<iframe|<div|<p\b|<a\b)",
    re.IGNORECASE,
)
BOM: Final = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff(data: bytes) -> Format:
    """The format `data` is, by its first bytes; UnsupportedMediaType (415) for anything else."""
    if not data:
        raise InvalidInput("the file is empty (0 bytes)")
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    raise UnsupportedMediaType(refusal(data))


def refusal(data: bytes) -> str:
    """Why a file of no accepted format is refused, naming markup when it is markup."""
    start = data[:1024]
    for bom in BOM:
        start = start.removeprefix(bom)
    if b"<svg" in start.lower() or (start.lstrip().lower().startswith(b"<?xml")):
        return f"SVG and XML files are not accepted (they can carry scripts); send {ACCEPTED}"
    if MARKUP_RE.match(start):
        return f"HTML files are not accepted, whatever their name; send {ACCEPTED}"
    return f"the file is not one of the accepted formats: {ACCEPTED}"


def for_media_type(media_type: str) -> Format | None:
    return BY_MEDIA_TYPE.get(media_type.split(";", 1)[0].strip().lower())
