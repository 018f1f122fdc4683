"""The JSON-LD fast path for what nodes send each other: signed objects (FEP-8b32) whose
@context names data integrity, embedded in Announces and Creates with that context nested.
Their normalized form must read as pyld reads them, except for the proof, which the node reads
as plain JSON from the document as received (node.activitypub.integrity)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from node.activitypub import integrity
from node.activitypub.jsonld import AS2_CONTEXT, JsonLdProcessor
from node.activitypub.render_activities import announce_to_as, wrap
from node.activitypub.vocabulary import PUBLIC, SIGNED_CONTEXT
from tests.activitypub.test_jsonld import same_meaning

AUTHOR = "https://a.example/users/o1"
AMPLIFIER = "https://b.example/users/o2"
PROOF_KEYS = frozenset({"proof", "sec:proof"})


@pytest.fixture(scope="module")
def processor() -> JsonLdProcessor:
    return JsonLdProcessor()


def signed_call() -> dict[str, Any]:
    """A call as publication_to_as renders it, signed with its author's assertion key."""
    pem, _ = integrity.generate()
    call = {
        "@context": SIGNED_CONTEXT,
        "id": "https://a.example/objects/1",
        "type": "Page",
        "kind": "call",
        "attributedTo": AUTHOR,
        "url": "https://a.example/objects/1",
        "published": "2026-01-01T00:00:00Z",
        "to": [PUBLIC],
        "cc": [f"{AUTHOR}/followers"],
        "content": "<p>Come.</p>",
        "contentMap": {"en": "<p>Come.</p>"},
        "tag": [{"type": "Hashtag", "name": "#housing", "href": "https://a.example/tags/h"}],
        "themes": ["housing"],
        "regions": ["Lyon"],
        "replies": {"id": "https://a.example/objects/1/replies", "type": "Collection"},
        "title": "Evictions",
        "urgency": "urgent",
        "actions": ["come"],
        "deadline": "2026-02-01T00:00:00Z",
        "maxHops": 3,
        "summary": None,
    }
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return integrity.sign(call, integrity.load_private(pem), f"{AUTHOR}#ed25519-key", created)


def announce() -> dict[str, Any]:
    return announce_to_as(
        "https://b.example/activities/1",
        AMPLIFIER,
        signed_call(),
        followers=f"{AMPLIFIER}/followers",
        also=[AUTHOR],
        via="https://c.example/activities/9",
        hop=2,
        published=datetime(2026, 1, 1, tzinfo=UTC),
    )


def without_proofs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_proofs(v) for k, v in value.items() if k not in PROOF_KEYS}
    if isinstance(value, list):
        return [without_proofs(item) for item in value]
    return value


def proof_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        inner = set().union(*(proof_keys(v) for v in value.values()))
        return inner | (set(value) & PROOF_KEYS)
    if isinstance(value, list):
        return set().union(*(proof_keys(item) for item in value))
    return set()


def readable(document: dict[str, Any]) -> Any:
    return without_proofs(same_meaning(document))


SENT = {
    "announce of a signed call": announce,
    "create of a signed call": lambda: wrap("Create", "https://a.example/act/1", signed_call()),
    "signed call": signed_call,
}


@pytest.mark.parametrize("name", SENT)
def test_signed_documents_take_the_fast_path(processor: JsonLdProcessor, name: str) -> None:
    document = SENT[name]()
    before = copy.deepcopy(document)
    assert processor.is_standard(document)
    assert processor.normalize(document) is document
    assert document == before


@pytest.mark.parametrize("name", SENT)
def test_fast_path_reads_what_pyld_reads(processor: JsonLdProcessor, name: str) -> None:
    document = SENT[name]()
    compacted = processor.compact(document)
    normalized = processor.normalize(document)
    assert readable(normalized) == readable(compacted)
    # they differ in the proof only: pyld's is a graph the node never reads, the fast path's
    # the proof as sent, which is what the node reads (before normalisation)
    assert proof_keys(compacted) == {"sec:proof"}
    assert proof_keys(normalized) == {"proof"}


def test_the_proof_kept_by_the_fast_path_still_verifies(processor: JsonLdProcessor) -> None:
    pem, public = integrity.generate()
    call = integrity.sign(
        {k: v for k, v in signed_call().items() if k != "proof"},
        integrity.load_private(pem),
        f"{AUTHOR}#ed25519-key",
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    document = announce() | {"object": call}
    embedded = processor.normalize(document)["object"]
    proof = integrity.proof_of(embedded)
    assert proof is not None
    integrity.verify(embedded, proof, integrity.decode_public(public))


@pytest.mark.parametrize(
    "change",
    [
        # a proof's type outside a proof: its scoped context would give terms other meanings
        lambda d: d | {"type": "DataIntegrityProof"},
        lambda d: d | {"object": d["object"] | {"type": ["Page", "DataIntegrityProof"]}},
        # proofs in a list are left to pyld
        lambda d: d | {"object": d["object"] | {"proof": [d["object"]["proof"]]}},
        # a nested context that is not the standard one
        lambda d: d | {"object": d["object"] | {"@context": [AS2_CONTEXT, {"@vocab": "x:"}]}},
        lambda d: d | {"object": d["object"] | {"@context": "https://w3id.org/identity/v1"}},
        lambda d: d | {"object": d["object"] | {"@context": [AS2_CONTEXT, {"kind": "as:name"}]}},
        # a proof's prefixed key
        lambda d: (
            d | {"object": d["object"] | {"proof": d["object"]["proof"] | {"sec:nonce": "1"}}}
        ),
    ],
)
def test_anything_else_goes_through_pyld(processor: JsonLdProcessor, change: Any) -> None:
    document = change(announce())
    assert not processor.is_standard(document)
    processor.normalize(document)  # and pyld reads it


def test_nested_contexts_count_against_the_bounds(processor: JsonLdProcessor) -> None:
    measure, plain = processor.screen(announce())
    assert plain
    assert measure.terms > 0  # the embedded call's and its proof's contexts were counted
