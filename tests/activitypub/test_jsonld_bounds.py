"""The bounds a received document must keep before anything reads it, and which documents then
take the plain-JSON path: the review's payload shapes (property-scoped contexts re-applied per
node, deep and huge JSON) are refused with a 400 that says why; what real servers send is read
as plain JSON, their own extension terms included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from node.activitypub.jsonld import JsonLdProcessor
from node.activitypub.jsonld_bounds import MAX_DEPTH, MAX_TERMS, MAX_VALUES, measure
from node.errors import JsonLdError

AS2 = "https://www.w3.org/ns/activitystreams"
PAYLOADS = Path(__file__).parent.parent / "payloads"


def like(context: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": context,
        "id": "https://evil.test/likes/1",
        "type": "Like",
        "actor": "https://evil.test/users/eve",
        "object": "https://node.test/calls/k",
    } | extra


def scoped_like(nodes: int) -> dict[str, Any]:
    """The review's shape: a term whose scoped context pyld applies again at every node."""
    inner = {f"t{i}": f"https://evil.test/ns#t{i}" for i in range(100)}
    context = [AS2, {"x": {"@id": "https://evil.test/ns#x", "@context": inner}}]
    return like(context, x=[{"x": {"t1": i}} for i in range(nodes)])


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (scoped_like(2000), "scoped context"),
        (like([AS2, {"@import": "https://evil.test/ctx"}]), "@import"),
        (like([AS2, {"@propagate": False}]), "@propagate"),
        (like([AS2, {"@protected": True, "x": "https://evil.test/ns#x"}]), "@protected"),
        (like([AS2, {"x": {"@id": "https://evil.test/ns#x", "@protected": True}}]), "@protected"),
        (like([AS2, {f"t{i}": f"https://e.test/#{i}" for i in range(MAX_TERMS + 1)}]), "terms"),
        (like([AS2] + ["https://e.test/c"] * 20), "entries"),
        (like(AS2, object={"@context": [AS2, {"y": {"@context": {}}}]}), "scoped context"),
        (like(AS2, tag=list(range(MAX_VALUES))), "values"),
        (like(AS2, tag=[{"name": str(i)} for i in range(MAX_VALUES // 2)]), "values"),
        (like(AS2, x=[[[]]]), None),
    ],
    ids=[
        "scoped",
        "import",
        "propagate",
        "protected",
        "protected term",
        "terms",
        "entries",
        "nested scoped",
        "values",
        "values in maps",
        "fine",
    ],
)
def test_bounds_refuse_what_grows_with_the_document(
    document: dict[str, Any], reason: str | None
) -> None:
    if reason is None:
        assert measure(document).values < 20
        return
    with pytest.raises(JsonLdError, match=reason):
        measure(document)


def test_depth_is_bounded_without_recursion() -> None:
    deep: Any = "end"
    for _ in range(MAX_DEPTH + 1):
        deep = {"a": deep}
    with pytest.raises(JsonLdError, match="deeper"):
        measure(like(AS2, x=deep))
    very_deep: Any = []
    for _ in range(50_000):
        very_deep = [very_deep]
    with pytest.raises(JsonLdError, match="deeper"):
        measure(like(AS2, x=very_deep))


def payloads() -> dict[str, dict[str, Any]]:
    return {
        str(path.relative_to(PAYLOADS)): json.loads(path.read_text())
        for path in sorted(PAYLOADS.glob("*/*.json"))
    }


@pytest.mark.parametrize("name", payloads())
def test_real_payloads_keep_the_bounds(name: str) -> None:
    found = measure(payloads()[name])
    assert found.values < 1000 and found.terms < 64


def test_extension_terms_of_the_senders_own_keep_the_plain_path() -> None:
    processor = JsonLdProcessor()
    misskey_like = {
        "misskey": "https://misskey-hub.net/ns#",
        "_misskey_content": "misskey:_misskey_content",
        "_misskey_reaction": "misskey:_misskey_reaction",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "isCat": "misskey:isCat",
    }
    document = like([AS2, misskey_like], _misskey_reaction=":heart:", content="<p>x</p>")
    assert processor.is_standard(document)
    assert processor.normalize(document) is document
    # one of ours, meaning something else, still goes through pyld
    redefined = like([AS2, {"content": "https://evil.test/ns#content"}], content="x")
    assert not processor.is_standard(redefined)
