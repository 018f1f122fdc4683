"""PDF documents made safe to publish: parsed, then written anew without the document
information dictionary (author, creator tool, dates) and without XMP metadata streams, and
without what would run when the file is opened (OpenAction, additional actions, JavaScript).

Pictures inside a PDF are copied as they are: README.md tells organisations to export
toolkits from a clean source. Encrypted PDFs are refused (they cannot be cleaned). CPU-heavy:
callers run it in a worker thread.
"""

from __future__ import annotations

import io
import logging

from node.config import MediaLimits
from node.errors import InvalidInput, PayloadTooLarge

MAX_PAGES = 2_000
TAIL = 2_048
ACTIVE_KEYS = ("/OpenAction", "/AA")


def process_pdf(data: bytes, limits: MediaLimits) -> bytes:
    """`data` as a PDF without metadata, or InvalidInput saying why it cannot be one."""
    if len(data) > limits.document_max_bytes:
        raise PayloadTooLarge(
            f"the document is {len(data)} bytes; at most {limits.document_max_bytes}"
        )
    if b"%%EOF" not in data[-TAIL:]:
        raise InvalidInput("the PDF is truncated (it has no end-of-file marker)")
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    # pypdf logs every oddity of a damaged file; a refusal already says what went wrong
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise InvalidInput("encrypted PDFs are not accepted: their metadata cannot be removed")
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PAGES:
            raise InvalidInput(f"the PDF has {pages} pages; 1 to {MAX_PAGES} are accepted")
        writer = PdfWriter(clone_from=reader)
        strip(writer)
        # what was cut off stays in the file unless orphaned objects are left out
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except InvalidInput:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise InvalidInput(f"the PDF is damaged and cannot be read: {exc}") from exc
    return out.getvalue()


def strip(writer: object) -> None:
    from pypdf import PdfWriter

    assert isinstance(writer, PdfWriter)
    writer.metadata = None
    root = writer.root_object
    root.pop("/Metadata", None)
    for key in ACTIVE_KEYS:
        root.pop(key, None)
    names = root.get("/Names")
    if names is not None:
        names.get_object().pop("/JavaScript", None)
    for page in writer.pages:
        page.pop("/Metadata", None)
        page.pop("/AA", None)
