"""Pictures made safe to publish: decoded, turned upright, copied pixel by pixel into a fresh
image and encoded anew, so that no metadata block of the original (EXIF with its GPS position
and camera serial, XMP, IPTC, maker notes, comments, colour profiles) can reach the output.

Bounds, checked from the header before any pixel is decoded: the byte size, the pixel count
(width x height, all frames together for an animation) and the number of frames; Pillow's own
decompression-bomb guard and truncated-file check stay on. CPU-heavy: callers run it in a
worker thread, never on the event loop.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

from node.config import MediaLimits
from node.errors import InvalidInput, PayloadTooLarge
from node.media.formats import GIF, JPEG, WEBP, Format

THUMBNAIL_BOX = (640, 640)
BLURHASH_BOX = (32, 32)
BLURHASH_COMPONENTS = (4, 3)
JPEG_QUALITY = 90
WEBP_QUALITY = 90
DEFAULT_FRAME_MS = 100
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)


@dataclass(frozen=True)
class Picture:
    data: bytes
    width: int
    height: int
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int
    blurhash: str


def process_image(data: bytes, fmt: Format, limits: MediaLimits) -> Picture:
    """Decode `data` as `fmt` within `limits` and encode it anew without metadata."""
    if len(data) > limits.image_max_bytes:
        raise PayloadTooLarge(f"the picture is {len(data)} bytes; at most {limits.image_max_bytes}")
    with decoding(fmt):
        with Image.open(io.BytesIO(data), formats=[fmt.pillow or ""]) as source:
            frames = check_bounds(source, limits)
            if frames > 1:
                images, durations, loop = animation(source)
            else:
                images, durations, loop = [upright(source, limits)], [], 0
    encoded = encode(images, fmt, durations, loop)
    first = images[0]
    thumbnail, thumb_size = make_thumbnail(first)
    return Picture(encoded, first.width, first.height, thumbnail, *thumb_size, blurhash_of(first))


@contextmanager
def decoding(fmt: Format) -> Iterator[None]:
    """Pillow's failures as clear InvalidInput errors; its bomb warning as an error."""
    name = fmt.extension.upper()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InvalidInput(f"the picture is a decompression bomb: {exc}") from exc
        except UnidentifiedImageError as exc:
            raise InvalidInput(f"the file starts like a {name} but does not decode as one") from exc
        except DECODE_ERRORS as exc:
            raise InvalidInput(f"the {name} picture is damaged or truncated: {exc}") from exc


def check_bounds(source: Image.Image, limits: MediaLimits) -> int:
    """The number of frames, once size and frames are within the limits (header only)."""
    width, height = source.size
    pixels = width * height
    if width < 1 or height < 1:
        raise InvalidInput("the picture has no pixels")
    if pixels > limits.max_pixels:
        raise InvalidInput(
            f"the picture is {width}x{height} ({pixels} pixels), a decompression bomb or "
            f"too large; at most {limits.max_pixels} pixels"
        )
    frames = int(getattr(source, "n_frames", 1))
    if frames > limits.max_frames:
        raise InvalidInput(f"the animation has {frames} frames; at most {limits.max_frames}")
    if frames > 1 and frames * pixels > limits.stored_pixels:
        raise InvalidInput(
            f"the animation is {frames} frames of {width}x{height}; at most "
            f"{limits.stored_pixels} pixels in all frames together"
        )
    return frames


def upright(source: Image.Image, limits: MediaLimits) -> Image.Image:
    """The decoded picture turned as its EXIF orientation says, in sRGB, scaled down to the
    stored size when larger, as a fresh image that carries nothing but pixels."""
    source.load()
    turned = ImageOps.exif_transpose(source)
    mode = target_mode(source)
    converted = to_srgb(turned, mode, source.info.get("icc_profile"))
    pixels = converted.width * converted.height
    if pixels > limits.stored_pixels:
        scale = math.sqrt(limits.stored_pixels / pixels)
        size = (max(1, int(converted.width * scale)), max(1, int(converted.height * scale)))
        converted = converted.resize(size, Image.Resampling.LANCZOS)
    return fresh(converted)


def target_mode(image: Image.Image) -> str:
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        return "RGBA"
    return "L" if image.mode in ("1", "L") else "RGB"


def to_srgb(image: Image.Image, mode: str, icc: object) -> Image.Image:
    """Colours as the camera profile meant them, then the profile dropped (it can name the
    device); a profile that cannot be read is ignored."""
    if isinstance(icc, bytes) and icc and mode != "L" and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source_profile, srgb, outputMode=out_mode)
            if converted is not None:
                return converted.convert(mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return image.convert(mode)


def fresh(image: Image.Image) -> Image.Image:
    """A new image from the pixels alone: no `info`, no EXIF, no palette metadata."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def animation(source: Image.Image) -> tuple[list[Image.Image], list[int], int]:
    """Every frame as RGBA pixels, with its duration, and the loop count."""
    images, durations = [], []
    for frame in ImageSequence.Iterator(source):
        frame.load()
        images.append(fresh(frame.convert("RGBA")))
        duration = frame.info.get("duration", DEFAULT_FRAME_MS)
        durations.append(int(duration) if isinstance(duration, int | float) else DEFAULT_FRAME_MS)
    loop = source.info.get("loop", 0)
    return images, durations, int(loop) if isinstance(loop, int) else 0


def encode(images: list[Image.Image], fmt: Format, durations: list[int], loop: int) -> bytes:
    out = io.BytesIO()
    first = images[0]
    if fmt is JPEG:
        first.convert("L" if first.mode == "L" else "RGB").save(
            out, "JPEG", quality=JPEG_QUALITY, optimize=True
        )
    elif len(images) > 1 and fmt in (GIF, WEBP):
        options = {"quality": WEBP_QUALITY} if fmt is WEBP else {"disposal": 2}
        first.save(
            out,
            fmt.pillow,
            save_all=True,
            append_images=images[1:],
            duration=durations,
            loop=loop,
            **options,
        )
    elif fmt is WEBP:
        first.save(out, "WEBP", quality=WEBP_QUALITY)
    else:
        first.save(out, fmt.pillow)
    return out.getvalue()


def make_thumbnail(image: Image.Image) -> tuple[bytes, tuple[int, int]]:
    small = image.convert("RGBA" if image.mode == "RGBA" else "RGB")
    small.thumbnail(THUMBNAIL_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "WEBP", quality=80)
    return out.getvalue(), small.size


def blurhash_of(image: Image.Image) -> str:
    """Mastodon's placeholder: a few colour components of the picture, computed on a tiny copy."""
    import blurhash  # pure Python: only work on a 32x32 copy

    tiny = image.convert("RGB")
    tiny.thumbnail(BLURHASH_BOX, Image.Resampling.BILINEAR)
    width, raw = tiny.width, tiny.tobytes()
    rows = [
        [list(raw[(y * width + x) * 3 : (y * width + x) * 3 + 3]) for x in range(width)]
        for y in range(tiny.height)
    ]
    found = blurhash.encode(rows, *BLURHASH_COMPONENTS)
    return str(found)
