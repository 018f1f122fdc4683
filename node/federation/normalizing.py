"""Received documents into the node's standard JSON-LD form, at a bounded cost.

screen(): the body parsed and its bounds checked (activitypub.jsonld_bounds: values, depth,
contexts; activitypub.objects: addressees) in the walk that also tells whether it is already
standard, on the event loop for small bodies and in the screening process for larger ones
(federation.screening_process: at most OFF_LOOP_BYTES of unscreened JSON on the loop; what
passed is parsed again here, bounded), so that a megabyte never holds other requests. One
already in the standard form, or whose context only adds terms of the sender's own, is then
read as plain JSON. Anything else needs pyld:
only documents of at most MAX_PROCESSED_VALUES values, which pyld reads within its bound, one
at a time in a thread of its own (pyld's caches are not thread-safe), at most MAX_WAITING
waiting, each within TIME_LIMIT; beyond that the inbox answers 503 and the sender retries.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from node.activitypub.jsonld_bounds import Measure
from node.activitypub.objects import ActivityView, check_addressing
from node.activitypub.screening import parse_json_object, with_delete_id, with_transient_id
from node.errors import JsonLdError, Overloaded
from node.federation.screening_process import ScreeningProcess

if TYPE_CHECKING:
    from node.activitypub.jsonld import JsonLdProcessor

MAX_PROCESSED_VALUES: Final = 200
MAX_WAITING: Final = 8
TIME_LIMIT: Final = 10.0  # seconds a pyld job may take, waiting included (a backstop)
RETRY_AFTER: Final = 10
OFF_LOOP_BYTES: Final = 16_384  # larger bodies are screened in the screening process


@dataclass(frozen=True)
class Screened:
    """A received body, parsed and within its bounds; `standard`: readable as plain JSON;
    `as_sent`: the body as text when it parses to the document (nothing was added to it)."""

    document: dict[str, Any]
    activity: ActivityView
    measure: Measure
    standard: bool
    as_sent: str | None = None


def screen_body(processor: JsonLdProcessor, body: bytes) -> Screened:
    """Parse and bounds in one walk (CPU work: on the loop only for small bodies)."""
    parsed = parse_json_object(body, "an activity")
    document = with_transient_id(with_delete_id(parsed))
    activity = ActivityView.from_document(document)
    measure, standard = processor.screen(document)
    check_addressing(document)
    as_sent = _as_text(body) if document is parsed else None
    return Screened(document, activity, measure, standard, as_sent)


def screened_body(body: bytes, measure: Measure, standard: bool) -> Screened:
    """A body the screening process passed, parsed again (within the bounds it checked)."""
    parsed = parse_json_object(body, "an activity")
    document = with_transient_id(with_delete_id(parsed))
    as_sent = _as_text(body) if document is parsed else None
    return Screened(document, ActivityView.from_document(document), measure, standard, as_sent)


def _as_text(body: bytes) -> str | None:
    """The body as text that json.loads reads as it read the bytes: strict UTF-8 (the bytes
    may have been UTF-16, or hold encoded surrogates) without a byte order mark."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if text.startswith("\ufeff") else text


class Normalizer:
    """The JSON-LD thread and its queue; built with the runtime, closed with it."""

    def __init__(self) -> None:
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.screening = ScreeningProcess()
        self.waiting = 0
        self.processed = 0  # documents pyld read (for tests and figures)

    @property
    def screened_off_loop(self) -> int:
        """Bodies the screening process parsed and checked."""
        return self.screening.screened

    async def screen(self, processor: JsonLdProcessor, body: bytes) -> Screened:
        if len(body) <= OFF_LOOP_BYTES:
            return screen_body(processor, body)
        measure, standard = await self.screening.screen(body)
        return screened_body(body, measure, standard)

    async def normalize(self, processor: JsonLdProcessor, screened: Screened) -> dict[str, Any]:
        document, measure = screened.document, screened.measure
        if screened.standard:
            return document
        if measure.values > MAX_PROCESSED_VALUES:
            raise JsonLdError(
                f"{_name(document)}: its terms need JSON-LD processing, which this node does "
                f"for documents of at most {MAX_PROCESSED_VALUES} values (this one has "
                f"{measure.values}); send ActivityStreams terms as the context defines them"
            )
        if self.waiting >= MAX_WAITING:
            raise Overloaded("too many documents wait for JSON-LD processing", RETRY_AFTER)
        return await self._in_thread(processor, document)

    async def _in_thread(
        self, processor: JsonLdProcessor, document: dict[str, Any]
    ) -> dict[str, Any]:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(1, "jsonld")
        loop = asyncio.get_running_loop()
        self.waiting += 1
        job = self._executor.submit(processor.compact, document)
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(self._finished))
        try:
            async with asyncio.timeout(TIME_LIMIT):
                return await asyncio.wrap_future(job)
        except TimeoutError as exc:
            job.cancel()  # if it has not started; a running job ends on its own, bounded
            raise Overloaded(
                "JSON-LD processing is behind; send it again later", RETRY_AFTER
            ) from exc

    def _finished(self) -> None:
        self.waiting -= 1
        self.processed += 1

    def close(self) -> None:
        self.screening.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _name(document: dict[str, Any]) -> str:
    identifier = document.get("id")
    return f"{identifier:.200}" if isinstance(identifier, str) else "the document"
