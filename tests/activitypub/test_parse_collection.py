"""Parsing a received body pauses the cyclic garbage collector (parsing makes no cycles) and
always leaves it as it found it, whatever the body."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest

from node.activitypub.screening import collection_paused, parse_json_object
from node.errors import InvalidInput


@pytest.fixture
def collector() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()


def test_the_collector_is_paused_while_parsing_and_enabled_again(collector: None) -> None:
    seen = []
    with collection_paused():
        seen.append(gc.isenabled())
    assert seen == [False]
    assert gc.isenabled()


@pytest.mark.parametrize("body", [b"{", b"[1]", b"\xff", b"[" * 100_000 + b"]" * 100_000])
def test_a_refused_body_leaves_the_collector_enabled(collector: None, body: bytes) -> None:
    gc.enable()
    with pytest.raises(InvalidInput):
        parse_json_object(body, "an activity")
    assert gc.isenabled()


def test_a_collector_disabled_by_someone_else_stays_disabled(collector: None) -> None:
    gc.disable()
    assert parse_json_object(json.dumps({"type": "Like"}).encode(), "an activity")
    assert not gc.isenabled()
