"""The wire format's names: the node's inline JSON-LD context (DESIGN §2) and how it writes a
moment (xsd:dateTime in UTC, whole seconds, with Z)."""

from __future__ import annotations

from datetime import UTC, datetime

from node.activitypub import vocabulary


def test_the_context_is_inline_with_the_design_terms() -> None:
    as2, security, terms = vocabulary.CONTEXT
    assert (as2, security) == (vocabulary.AS2, vocabulary.SECURITY_V1)
    assert terms["sn"] == "https://w3id.org/solidarity-node/ns#"
    for term in ("kind", "urgency", "regions", "themes", "actions", "hop", "maxHops", "pledge"):
        assert terms[term] == f"sn:{term}", term
    assert terms["deadline"] == {"@id": "sn:deadline", "@type": "xsd:dateTime"}
    assert terms["via"] == {"@id": "sn:via", "@type": "@id"}


def test_a_moment_is_written_in_utc_to_the_second() -> None:
    assert vocabulary.iso(datetime(2026, 11, 21, 12, 0, 30, 999_999, tzinfo=UTC)) == (
        "2026-11-21T12:00:30Z"
    )
