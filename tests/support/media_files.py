"""Files for media tests, built in the test: a camera JPEG that carries everything a photo can
betray (GPS position, camera serial, maker note, XMP with a city, IPTC, a comment, an
orientation), a decompression bomb, markup in disguise, a PDF with an author, and readers
that look for any of it the way exiftool would (every APP segment, every EXIF tag).
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import exifread
from PIL import Image
from sqlalchemy import func, select

from node.federation.runtime import Runtime
from node.storage.tables import MediaRow

SERIAL = "SN-CAM-0042-SECRET"
CITY = "Safehouse-City"
COMMENT = b"taken at the meeting point"
OWNER = "Jane Activist"
XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
    f'photoshop:City="{CITY}" photoshop:Credit="{OWNER}"/>'
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
).encode()
SECRETS = (SERIAL.encode(), CITY.encode(), OWNER.encode(), COMMENT, b"Canon", b"MakerNoteData")


def halves(size: tuple[int, int] = (80, 40)) -> Image.Image:
    """Left half red, right half blue: after a quarter turn, red is on top."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return image


def camera_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90 degrees clockwise to show
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS 5D"  # Model
    exif[0x013B] = OWNER  # Artist
    details = exif.get_ifd(0x8769)
    details[0xA431] = SERIAL  # BodySerialNumber
    details[0x927C] = b"MakerNoteData" + SERIAL.encode()  # MakerNote
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 13.0, 37.5)
    gps[3], gps[4] = "E", (21.0, 0.0, 42.25)
    out = io.BytesIO()
    halves().save(out, "JPEG", exif=exif, xmp=XMP, comment=COMMENT, quality=95)
    return with_iptc(out.getvalue())


def with_iptc(jpeg: bytes) -> bytes:
    """An APP13 Photoshop segment with an IPTC by-line and city, right after SOI."""
    records = iptc(0x50, OWNER.encode()) + iptc(0x5A, CITY.encode())
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(records))
    payload = b"Photoshop 3.0\x00" + resource + records + (b"\x00" if len(records) % 2 else b"")
    segment = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def iptc(dataset: int, value: bytes) -> bytes:
    return b"\x1c\x02" + bytes([dataset]) + struct.pack(">H", len(value)) + value


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Every marker segment before the image data: (marker, payload), as exiftool walks them."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    found, position = [], 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        found.append((marker, data[position + 4 : position + 2 + length]))
        position += 2 + length
    return found


def metadata_left(data: bytes) -> dict[str, Any]:
    """What a metadata reader still finds: EXIF tags (exifread), APP1/APP13/COM segments,
    and any of the secrets anywhere in the bytes."""
    tags = exifread.process_file(io.BytesIO(data), details=True)
    segments = [marker for marker, _ in jpeg_segments(data)] if data[:2] == b"\xff\xd8" else []
    with Image.open(io.BytesIO(data)) as image:
        info_keys = sorted(set(image.info) & {"exif", "xmp", "icc_profile", "comment", "photoshop"})
        exif = dict(image.getexif())
    return {
        "exif_tags": sorted(tags),
        "app_segments": [hex(m) for m in segments if m in (0xE1, 0xED, 0xE2, 0xFE)],
        "pillow_info": info_keys,
        "pillow_exif": exif,
        "secrets": [s for s in SECRETS if s in data],
        "xmp": b"http://ns.adobe.com/xap/1.0/" in data or b"x:xmpmeta" in data,
    }


def png(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "orange" if mode != "1" else 0).save(out, "PNG")
    return out.getvalue()


def bomb_png(side: int = 6000) -> bytes:
    """A few kilobytes that would decode to side x side pixels (36 million by default)."""
    return png((side, side), mode="1")


def huge_header_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims 10 billion pixels (Pillow's own bomb limit), with a token IDAT."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'width="10" height="10"><script>alert(document.cookie)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(out, "JPEG", quality=95)
    data = out.getvalue()
    return data[: len(data) // 2]


def animated_gif(frames: int = 3, size: tuple[int, int] = (30, 20)) -> bytes:
    colours = ["red", "green", "blue", "yellow"]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(
        out, "GIF", save_all=True, append_images=images[1:], duration=120, loop=0,
        comment=COMMENT,
    )  # fmt: skip
    return out.getvalue()


def pdf_with_metadata() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": OWNER, "/Creator": "Canon scanner " + SERIAL})
    stream = StreamObject()
    stream.set_data(XMP)
    stream.update({NameObject("/Type"): NameObject("/Metadata")})
    writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def stored_counts(node: Runtime) -> tuple[int, int]:
    """Media rows stored and files under the media folder: what a refused upload must not add."""
    async with node.db.transaction() as session:
        rows = await session.scalar(select(func.count()).select_from(MediaRow))
    folder = node.settings.media_path
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return int(rows or 0), len(files)
