"""Large received bodies screened in a process of their own.

A body over OFF_LOOP_BYTES is parsed and its bounds checked (values, depth, contexts,
addressees) in a child process, so that a megabyte of JSON, refused or accepted, never holds
the GIL of the process that answers requests: a thread would hold it for the whole parse (the
json module's C code does not let go of it), and every request needing a handoff between the
event loop and the database thread would wait that long each time. Only a body that passed
comes back to be parsed again, and it holds at most jsonld_bounds.MAX_VALUES values (a few
milliseconds). The process is started on the first large body, at most MAX_WAITING bodies wait
for it (then 503), each within TIME_LIMIT; if it dies it is started again for the next body.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Final

from node.activitypub.jsonld_bounds import Measure
from node.errors import InvalidInput, JsonLdError, Overloaded, SolidarityError

if TYPE_CHECKING:
    from node.activitypub.jsonld import JsonLdProcessor

log = logging.getLogger("node.inbox")

MAX_WAITING: Final = 16
TIME_LIMIT: Final = 10.0  # seconds for one body, waiting included (a backstop: bodies are bounded)
RETRY_AFTER: Final = 10
REFUSALS: Final = {cls.__name__: cls for cls in (InvalidInput, JsonLdError)}

Verdict = tuple[Measure, bool] | tuple[str, str]

_processor: JsonLdProcessor | None = None  # the child's own, built once when it starts


def _start_child() -> None:
    global _processor
    from node.activitypub.jsonld import JsonLdProcessor

    _processor = JsonLdProcessor()


def _verdict(body: bytes) -> Verdict:
    """In the child: the body's measure and whether it is standard, or why it is refused."""
    from node.federation.normalizing import screen_body

    assert _processor is not None
    try:
        screened = screen_body(_processor, body)
    except SolidarityError as refusal:
        return type(refusal).__name__, str(refusal)
    return screened.measure, screened.standard


class ScreeningProcess:
    """The child process and the bodies waiting for it; closed with the runtime."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.waiting = 0
        self.screened = 0  # bodies the child screened (for tests and figures)

    async def screen(self, body: bytes) -> tuple[Measure, bool]:
        """The body's measure and standardness; the refusal the child found, raised here."""
        if self.waiting >= MAX_WAITING:
            raise Overloaded("too many large documents wait to be screened", RETRY_AFTER)
        self.waiting += 1
        try:
            async with asyncio.timeout(TIME_LIMIT):
                verdict = await self._verdict(body)
        except TimeoutError as exc:
            self._restart(exc)
            raise Overloaded(
                "screening large documents is behind; send it later", RETRY_AFTER
            ) from exc
        finally:
            self.waiting -= 1
        self.screened += 1
        if isinstance(verdict[0], str):
            name, reason = verdict
            raise REFUSALS.get(name, InvalidInput)(str(reason))
        measure, standard = verdict
        assert isinstance(measure, Measure) and isinstance(standard, bool)
        return measure, standard

    async def _verdict(self, body: bytes) -> Verdict:
        """From the child; a child that died (killed, out of memory) is replaced once."""
        try:
            return await asyncio.wrap_future(self._running().submit(_verdict, body))
        except BrokenProcessPool as exc:
            self._restart(exc)
        try:
            return await asyncio.wrap_future(self._running().submit(_verdict, body))
        except BrokenProcessPool as exc:
            self._restart(exc)
            raise Overloaded("large documents cannot be screened now", RETRY_AFTER) from exc

    def _running(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # no copy of this process's threads
            self._pool = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=context, initializer=_start_child
            )
        return self._pool

    def _restart(self, cause: BaseException) -> None:
        log.warning("the screening process stopped answering (%s); starting a new one", cause)
        self.close()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:  # a body in progress is bounded: the child ends after it
            pool.shutdown(wait=False, cancel_futures=True)
