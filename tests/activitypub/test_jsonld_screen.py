"""JsonLdProcessor.screen does in one walk what jsonld_bounds.measure and is_standard do in
two: for any document, it refuses exactly what measure refuses (or what the scan refuses as not
JSON), and otherwise gives the same measure and the same answer as is_standard."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.activitypub.jsonld import JsonLdProcessor
from node.activitypub.jsonld_bounds import MAX_DEPTH, MAX_TERMS, MAX_VALUES, Measure, measure
from node.errors import JsonLdError
from tests.activitypub.test_jsonld_bounds import AS2, like, payloads, scoped_like
from tests.support.hostile import activities

PROCESSOR = JsonLdProcessor()


def nested(depth: int) -> Any:
    value: Any = "end"
    for _ in range(depth):
        value = {"a": [value]} if depth % 2 else {"a": value}
    return value


def both(document: dict[str, Any]) -> tuple[object, object]:
    """(measure and is_standard, or the refusal) and (screen, or the refusal)."""
    try:
        expected: object = (measure(document), PROCESSOR.is_standard(document))
    except JsonLdError:
        expected = JsonLdError
    try:
        found: object = PROCESSOR.screen(document)
    except JsonLdError:
        found = JsonLdError
    return expected, found


BOUNDARY_CASES = [
    like(AS2, tag=list(range(MAX_VALUES - 6))),
    like(AS2, tag=list(range(MAX_VALUES - 5))),
    like(AS2, tag=[{"name": str(i)} for i in range(MAX_VALUES // 2 - 4)]),
    like(AS2, x=nested(MAX_DEPTH - 1)),
    like(AS2, x=nested(MAX_DEPTH)),
    like(AS2, x=nested(MAX_DEPTH + 1)),
    like([AS2, {f"t{i}": f"https://e.test/#{i}" for i in range(MAX_TERMS)}]),
    like([AS2, {f"t{i}": f"https://e.test/#{i}" for i in range(MAX_TERMS + 1)}]),
    like(AS2, object={"@context": [AS2, {"y": {"@context": {}}}], "type": "Note"}),
    like(AS2, object={"@context": [AS2, {"toot": "http://joinmastodon.org/ns#"}]}),
    like([AS2, {"@import": "https://evil.test/ctx"}]),
    scoped_like(50),
    like(AS2, x=[[[]]]),
]


@pytest.mark.parametrize("document", BOUNDARY_CASES)
def test_screen_agrees_at_the_bounds(document: dict[str, Any]) -> None:
    expected, found = both(document)
    assert found == expected


@pytest.mark.parametrize("name", payloads())
def test_screen_agrees_on_real_payloads(name: str) -> None:
    expected, found = both(payloads()[name])
    assert found == expected
    assert isinstance(found, tuple) and isinstance(found[0], Measure)


@given(activities("https://remote.test/users/bob"))
def test_screen_agrees_on_hostile_documents(document: dict[str, Any]) -> None:
    document = json.loads(json.dumps(document))  # as received: parsed JSON
    expected, found = both(document)
    assert found == expected


@given(st.integers(0, 3), st.integers(0, 3))
def test_the_count_leaves_out_contexts_at_any_depth(top: int, inner: int) -> None:
    context = [AS2, *([{"own": "https://e.test/#"}] * top)]
    obj = {"@context": [AS2] * (inner + 1), "type": "Note", "x": [1, 2]}
    measured, _ = PROCESSOR.screen(like(context, object=obj))
    assert measured == measure(like(context, object=obj))
