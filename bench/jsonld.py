"""normalize's fast path against pyld, on one realistic Mastodon Create(Note), in the same run.

The ceiling is pyld's own expansion of the same document (target: fast path at least 20 times
faster); expansion plus compaction is what normalize costs when the fast path does not apply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from node.activitypub.jsonld import JsonLdProcessor

TARGET_RATIO = 20.0
ROUNDS = 3

_STATUS = "https://mastodon.example/users/alice/statuses/117074527616629378"


def create_note() -> dict[str, Any]:
    """A Create(Note) shaped as Mastodon 4.3 sends it: its inline context, a reply with a mention,
    a hashtag, an image and an LD signature."""
    public = "https://www.w3.org/ns/activitystreams#Public"
    audience = [
        "https://mastodon.example/users/alice/followers",
        "https://node.example/orgs/kitchen",
    ]
    return {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {
                "ostatus": "http://ostatus.org#",
                "atomUri": "ostatus:atomUri",
                "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
                "conversation": "ostatus:conversation",
                "sensitive": "as:sensitive",
                "toot": "http://joinmastodon.org/ns#",
                "votersCount": "toot:votersCount",
                "blurhash": "toot:blurhash",
                "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
                "Hashtag": "as:Hashtag",
            },
            "https://w3id.org/security/v1",
        ],
        "id": f"{_STATUS}/activity",
        "type": "Create",
        "actor": "https://mastodon.example/users/alice",
        "published": "2026-08-11T02:32:01Z",
        "to": [public],
        "cc": audience,
        "object": {
            "id": _STATUS,
            "type": "Note",
            "summary": None,
            "inReplyTo": "https://node.example/objects/call-1",
            "published": "2026-08-11T02:32:01Z",
            "url": "https://mastodon.example/@alice/117074527616629378",
            "attributedTo": "https://mastodon.example/users/alice",
            "to": [public],
            "cc": audience,
            "sensitive": False,
            "atomUri": _STATUS,
            "inReplyToAtomUri": "https://node.example/objects/call-1",
            "conversation": "tag:mastodon.example,2026-08-11:objectId=1041:objectType=Conversation",
            "content": '<p><span class="h-card"><a href="https://node.example/@kitchen" '
            'class="u-url mention">@<span>kitchen</span></a></span> We can bring 40 meals '
            'on Saturday. <a href="https://mastodon.example/tags/mutualaid" class="mention '
            'hashtag" rel="tag">#<span>mutualaid</span></a></p>',
            "contentMap": {"en": "<p>We can bring 40 meals on Saturday. #mutualaid</p>"},
            "attachment": [
                {
                    "type": "Document",
                    "mediaType": "image/jpeg",
                    "url": "https://files.mastodon.example/media/original/a1.jpg",
                    "name": "Crates of vegetables",
                    "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
                    "focalPoint": [0.0, 0.0],
                    "width": 1200,
                    "height": 800,
                }
            ],
            "tag": [
                {
                    "type": "Mention",
                    "href": "https://node.example/orgs/kitchen",
                    "name": "@kitchen@node.example",
                },
                {
                    "type": "Hashtag",
                    "href": "https://mastodon.example/tags/mutualaid",
                    "name": "#mutualaid",
                },
            ],
            "replies": {
                "id": f"{_STATUS}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{_STATUS}/replies?only_other_accounts=true&page=true",
                    "partOf": f"{_STATUS}/replies",
                    "items": [],
                },
            },
            "likes": {"id": f"{_STATUS}/likes", "type": "Collection", "totalItems": 0},
            "shares": {"id": f"{_STATUS}/shares", "type": "Collection", "totalItems": 0},
        },
        "signature": {
            "type": "RsaSignature2017",
            "creator": "https://mastodon.example/users/alice#main-key",
            "created": "2026-08-11T02:32:01Z",
            "signatureValue": "BjjcQB/N7zJrBoe4M4qRVOMUlPzeslwNd3RUPM9JTdZtVLliLnsov1UWj6ukZ==",
        },
    }


def _rate(call: Callable[[], object], seconds: float) -> float:
    """Calls per second over a loop bounded by time (checked every few calls)."""
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(5):
            call()
        calls += 5
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def measure(seconds: float = 3.0) -> dict[str, float]:
    """Documents per second for the fast path, pyld expansion and expansion + compaction.

    The three loops take turns over ROUNDS rounds, so that load on the machine hits them alike;
    each figure is its best round.
    """
    processor = JsonLdProcessor()
    document = create_note()
    if processor.normalize(document) is not document:
        raise AssertionError("the benchmark document no longer takes the fast path")
    processor.compact(document)  # fills pyld's resolved-context caches, as in a running node
    loops: dict[str, Callable[[], object]] = {
        "fast_path_docs_per_s": lambda: processor.normalize(document),
        "pyld_expand_docs_per_s": lambda: processor.expand(document),
        "pyld_expand_compact_docs_per_s": lambda: processor.compact(document),
    }
    best = dict.fromkeys(loops, 0.0)
    for _ in range(ROUNDS):
        for name, call in loops.items():
            best[name] = max(best[name], _rate(call, seconds / (ROUNDS * len(loops))))
    fast = best["fast_path_docs_per_s"]
    return {
        **best,
        "fast_over_expand": fast / best["pyld_expand_docs_per_s"],
        "fast_over_expand_compact": fast / best["pyld_expand_compact_docs_per_s"],
        "target_fast_over_expand": TARGET_RATIO,
    }


def main() -> None:
    figures = measure()
    ratio = figures["fast_over_expand"]
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print("jsonld: normalize on a Mastodon Create(Note)")
    print(f"  fast path              {figures['fast_path_docs_per_s']:>12,.0f} docs/s")
    print(f"  pyld expand            {figures['pyld_expand_docs_per_s']:>12,.0f} docs/s")
    print(f"  pyld expand + compact  {figures['pyld_expand_compact_docs_per_s']:>12,.0f} docs/s")
    print(f"  fast / expand            {ratio:>10.1f}x  (target >= {TARGET_RATIO:.0f}x: {verdict})")
    print(f"  fast / expand+compact    {figures['fast_over_expand_compact']:>10.1f}x")


if __name__ == "__main__":
    main()
