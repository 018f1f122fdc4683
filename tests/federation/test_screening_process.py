"""The screening process parses and bounds large bodies in a process of its own (so that a
refused megabyte never holds the serving process), answers what the in-process screening
answers, and is replaced when it dies: a killed child costs no body."""

from __future__ import annotations

import json
import os
import signal

import pytest

from node.activitypub.jsonld_bounds import MAX_VALUES
from node.errors import InvalidInput, JsonLdError, Overloaded
from node.federation import screening_process
from node.federation.screening_process import ScreeningProcess

AS2 = "https://www.w3.org/ns/activitystreams"


def body(values: int) -> bytes:
    tags = [{"type": "Hashtag", "name": f"#t{i}"} for i in range(values // 3)]
    note = {"id": "https://remote.test/notes/1", "type": "Note", "tag": tags}
    activity = {
        "@context": AS2,
        "id": "https://remote.test/activities/1",
        "type": "Create",
        "actor": "https://remote.test/users/eve",
        "object": note,
    }
    return json.dumps(activity).encode()


def child_pid(process: ScreeningProcess) -> int:
    pool = process._pool
    assert pool is not None
    (pid,) = pool._processes
    assert isinstance(pid, int)
    return pid


async def test_bodies_are_screened_in_another_process_with_the_same_answers() -> None:
    process = ScreeningProcess()
    try:
        measure, standard = await process.screen(body(MAX_VALUES - 30))
        assert standard and measure.values > MAX_VALUES - 40
        assert child_pid(process) != os.getpid()
        with pytest.raises(JsonLdError, match=f"more than {MAX_VALUES} values"):
            await process.screen(body(MAX_VALUES + 30))
        with pytest.raises(InvalidInput, match="not JSON"):
            await process.screen(b"{" * 40_000)
        assert process.screened == 3
    finally:
        process.close()


async def test_a_child_that_died_is_replaced_and_the_body_still_screened() -> None:
    process = ScreeningProcess()
    try:
        await process.screen(body(300))
        first = child_pid(process)
        os.kill(first, signal.SIGKILL)
        measure, standard = await process.screen(body(300))
        assert standard and measure.values > 290
        assert child_pid(process) != first
    finally:
        process.close()


async def test_too_many_waiting_bodies_are_answered_503() -> None:
    process = ScreeningProcess()
    process.waiting = screening_process.MAX_WAITING
    with pytest.raises(Overloaded):
        await process.screen(body(300))
