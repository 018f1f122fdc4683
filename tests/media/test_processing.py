"""Making files safe to publish (node/media): the type from the bytes, every metadata block
gone, orientation applied, bombs and disguised markup refused with a clear error."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image

from node.config import MediaLimits
from node.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from node.media.processing import process
from node.publication import MediaKind
from tests.support.media_files import (
    HTML,
    SECRETS,
    SVG,
    animated_gif,
    bomb_png,
    camera_jpeg,
    huge_header_png,
    metadata_left,
    pdf_with_metadata,
    png,
    truncated_jpeg,
)

LIMITS = MediaLimits()


def test_a_camera_jpeg_loses_every_metadata_block_and_stands_upright() -> None:
    original = camera_jpeg()
    assert metadata_left(original)["secrets"], "the test file must carry what is to be removed"
    made = process(original, LIMITS)
    assert made.media_type == "image/jpeg" and made.kind is MediaKind.IMAGE
    left = metadata_left(made.data)
    assert left == {
        "exif_tags": [],
        "app_segments": [],
        "pillow_info": [],
        "pillow_exif": {},
        "secrets": [],
        "xmp": False,
    }
    with Image.open(io.BytesIO(made.data)) as image:
        assert image.size == (40, 80)  # 80x40 turned a quarter clockwise
        top, bottom = image.convert("RGB").getpixel((20, 10)), image.getpixel((20, 70))
    assert top[0] > 200 and top[2] < 60, top  # red, the left half, is now on top
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    assert (made.width, made.height) == (40, 80)
    assert made.blurhash and len(made.blurhash) >= 6
    assert made.thumbnail is not None and not any(s in made.thumbnail for s in SECRETS)


def test_the_type_comes_from_the_bytes() -> None:
    assert process(png(), LIMITS).media_type == "image/png"
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 0, 0)).save(out, "WEBP")
    assert process(out.getvalue(), LIMITS).media_type == "image/webp"
    assert process(pdf_with_metadata(), LIMITS).kind is MediaKind.DOCUMENT


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", InvalidInput, "empty"),
        (SVG, UnsupportedMediaType, "SVG"),
        (HTML, UnsupportedMediaType, "HTML"),
        (b"\xef\xbb\xbf  <svg onload='alert(1)'/>", UnsupportedMediaType, "SVG"),
        (b"MZ\x90\x00 an executable", UnsupportedMediaType, "accepted formats"),
        (truncated_jpeg(), InvalidInput, "truncated"),
        (bomb_png(), InvalidInput, "decompression bomb"),
        (huge_header_png(), InvalidInput, "decompression bomb"),
        (png()[:30], InvalidInput, "PNG"),
        (b"%PDF-1.7\n garbage without an end", InvalidInput, "truncated"),
        (b"%PDF-1.7\n not a pdf at all\n%%EOF", InvalidInput, "PDF"),
    ],
    ids=[
        "empty", "svg", "html", "svg-bom", "exe", "truncated-jpeg", "bomb", "huge-header",
        "cut-png", "cut-pdf", "fake-pdf",
    ],
)  # fmt: skip
def test_what_is_refused_is_refused_with_its_reason(
    data: bytes, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as refused:
        process(data, LIMITS)
    assert words in str(refused.value)


def test_limits_are_the_configured_ones() -> None:
    small = replace(LIMITS, image_max_bytes=1000, document_max_bytes=500)
    with pytest.raises(PayloadTooLarge):
        process(camera_jpeg() + b"\x00" * 1000, small)
    with pytest.raises(PayloadTooLarge):
        process(pdf_with_metadata(), small)
    few_pixels = replace(LIMITS, max_pixels=100, stored_pixels=100)
    with pytest.raises(InvalidInput, match="at most 100 pixels"):
        process(png((11, 10)), few_pixels)


def test_large_pictures_are_scaled_down_to_the_stored_size() -> None:
    limits = replace(LIMITS, stored_pixels=1000)
    made = process(png((200, 100)), limits)
    assert made.width is not None and made.height is not None
    assert made.width * made.height <= 1000 and made.width == 2 * made.height


def test_an_animation_keeps_its_frames_but_not_its_comment() -> None:
    made = process(animated_gif(3), LIMITS)
    assert made.media_type == "image/gif" and b"meeting point" not in made.data
    with Image.open(io.BytesIO(made.data)) as image:
        assert getattr(image, "n_frames", 1) == 3
    with pytest.raises(InvalidInput, match="frames"):
        process(animated_gif(5), replace(LIMITS, max_frames=4))


def test_a_pdf_loses_its_author_and_xmp() -> None:
    original = pdf_with_metadata()
    made = process(original, LIMITS)
    assert made.media_type == "application/pdf" and made.width is None
    assert not [s for s in SECRETS if s in made.data]
    assert b"x:xmpmeta" not in made.data and b"/Author" not in made.data
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(made.data))
    assert len(reader.pages) == 1 and not reader.metadata and reader.xmp_metadata is None
