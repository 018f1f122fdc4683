"""Undeclared prefixes: a key, type or reference like `schema:license`, `toot:…` or `sn:…`
whose prefix the sender's own context does not define reads as an IRI of that "scheme". Our
standard context defines those prefixes, so compaction used to fail ("Absolute IRI confused
with prefix") and the whole activity was refused. Such terms are now kept (keys and types: as
written, or as our term for that prefix's usual IRI) or dropped (references, literal types);
the rest of the document is read as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from node.activitypub.jsonld import AS2_CONTEXT, PUBLIC, JsonLdProcessor

AUTHOR = "https://epicyon.example/users/ada"


@pytest.fixture(scope="module")
def processor() -> JsonLdProcessor:
    return JsonLdProcessor()


def note(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [AS2_CONTEXT, {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}],
        "id": f"{AUTHOR}/statuses/1",
        "type": "Note",
        "attributedTo": AUTHOR,
        "content": "<p>In solidarity</p>",
        "to": [PUBLIC],
        "cc": [f"{AUTHOR}/followers"],
    } | extra


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("schema:license", "schema:license"),  # no term of ours: kept as written
        ("toot:indexable", "indexable"),  # read as our term for the prefix's usual IRI
        ("sn:urgency", "urgency"),
        ("xsd:thing", "xsd:thing"),  # prefixes AS2 itself declares were always read
        ("as:notATerm", "as:notATerm"),
    ],
)
def test_an_undeclared_prefixed_key_is_kept(
    processor: JsonLdProcessor, key: str, name: str
) -> None:
    document = note(**{key: "https://creativecommons.org/licenses/by-nc/4.0/"})
    normalized = processor.normalize(document)
    assert normalized[name] == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert normalized["id"] == document["id"]
    assert normalized["content"] == "<p>In solidarity</p>"
    assert normalized["attributedTo"] == AUTHOR
    assert normalized["to"] == PUBLIC or normalized["to"] == [PUBLIC]


def test_epicyons_license_beside_everything_else_a_note_carries(
    processor: JsonLdProcessor,
) -> None:
    document = note(
        **{
            "schema:license": "https://creativecommons.org/licenses/by-nc/4.0/",
            "tag": [{"type": "Hashtag", "name": "#mutualaid", "href": "https://x.example/t"}],
            "sensitive": False,
            "summary": None,
            "inReplyTo": "https://node.example/calls/abc",
        }
    )
    normalized = processor.normalize(document)
    assert normalized["inReplyTo"] == "https://node.example/calls/abc"
    assert normalized["tag"]["name"] == "#mutualaid" or normalized["tag"][0]["name"] == (
        "#mutualaid"
    )
    assert normalized["sensitive"] is False


def test_an_undeclared_prefixed_type_is_kept_as_sent(processor: JsonLdProcessor) -> None:
    emoji = {"type": "toot:Emoji", "name": ":wave:", "icon": {"type": "Image", "url": AUTHOR}}
    normalized = processor.normalize(note(type=["Note", "toot:Extra"], tag=[emoji]))
    assert normalized["type"] == ["Note", "toot:Extra"]
    tag = normalized["tag"][0] if isinstance(normalized["tag"], list) else normalized["tag"]
    assert tag["type"] == "toot:Emoji" and tag["name"] == ":wave:"


def test_an_undeclared_prefixed_reference_is_dropped(processor: JsonLdProcessor) -> None:
    normalized = processor.normalize(
        note(
            inReplyTo="toot:not-a-url",
            tag=[{"type": "Mention", "href": "sn:nobody", "name": "@nobody"}],
            url=["sn:elsewhere", "https://epicyon.example/@ada/1"],
        )
    )
    assert "inReplyTo" not in normalized
    tag = normalized["tag"][0] if isinstance(normalized["tag"], list) else normalized["tag"]
    assert tag == {"type": "Mention", "name": "@nobody"}
    assert normalized["url"] == "https://epicyon.example/@ada/1"


def test_an_undeclared_prefixed_literal_type_is_dropped_and_the_value_kept(
    processor: JsonLdProcessor,
) -> None:
    document = note(
        **{
            "@context": [
                AS2_CONTEXT,
                {"when": {"@id": "https://x.example/when", "@type": "schema:Date"}},
            ]
        },
        when="2026-11-21T12:00:00Z",
    )
    normalized = processor.normalize(document)
    assert normalized["https://x.example/when"] == "2026-11-21T12:00:00Z"


def test_declared_prefixes_still_mean_what_they_declare(processor: JsonLdProcessor) -> None:
    document = note(
        **{
            "@context": [
                AS2_CONTEXT,
                {"toot": "http://joinmastodon.org/ns#", "schema": "http://schema.org#"},
            ],
            "toot:indexable": True,
            "schema:license": "https://creativecommons.org/licenses/by/4.0/",
        }
    )
    normalized = processor.normalize(document)
    assert normalized["indexable"] is True
    assert normalized["schema:license"] == "https://creativecommons.org/licenses/by/4.0/"
