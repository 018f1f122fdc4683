"""What organisations may publish: every field of a strategy or call checked, with an error
that names the field and the rule; a revision validated as a whole; the author's input kept
(`source`) and read back as the same draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.errors import InvalidInput
from node.publication import Kind, Urgency, Visibility
from node.solidarity import validation

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CALL = {"title": "Fill the court", "content": "Come.", "deadline": "2026-12-01T18:00Z"}
STRATEGY = {"title": "Observers", "content": "Watch."}


def test_a_strategy_with_its_defaults() -> None:
    draft = validation.strategy(
        STRATEGY | {"title": "  Observers  ", "themes": ["#legal", "legal"]}
    )
    fields = draft.fields
    assert (draft.kind, draft.content) == (Kind.STRATEGY, "Watch.")
    assert (fields.title, fields.summary, fields.language) == ("Observers", None, "en")
    assert (fields.visibility, fields.themes, fields.regions) == (Visibility.PUBLIC, ("legal",), ())
    assert (fields.urgency, fields.deadline, fields.max_hops) == (None, None, None)


def test_a_call_with_its_defaults_and_everything_given() -> None:
    plain = validation.call(CALL, NOW).fields
    assert (plain.kind, plain.urgency, plain.max_hops) == (Kind.CALL, Urgency.NORMAL, 6)
    assert plain.deadline == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    body = CALL | {
        "deadline": "2026-12-01T19:00:00+01:00",
        "urgency": "critical",
        "visibility": "unlisted",
        "regions": ["pl-14", "Warsaw", "DE"],
        "actions": [" Come ", "Share", "Come"],
        "language": "pt-br",
        "max_hops": 0,
    }
    full = validation.call(body, NOW).fields
    assert full.deadline == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert (full.urgency, full.visibility, full.max_hops) == (
        Urgency.CRITICAL,
        Visibility.UNLISTED,
        0,
    )
    assert (full.regions, full.actions, full.language) == (
        ("PL-14", "Warsaw", "DE"),
        ("Come", "Share"),
        "pt-BR",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": None}, "'title' is required and must be text"),
        ({"title": "  "}, "'title' is required"),
        ({"title": "x" * 201}, "'title' is longer than 200 characters"),
        ({"content": 7}, "'content' is required and must be text"),
        ({"content": "x" * 50_001}, "'content' is longer than 50000"),
        ({"themes": ["two words"]}, "theme 'two words': use letters, digits and '_'"),
        ({"themes": "labour"}, "'themes' must be a list of strings"),
        ({"regions": ["XX"]}, "region 'XX' looks like an ISO 3166 code but is not one"),
        ({"regions": ["PL-99"]}, "region 'PL-99' looks like an ISO 3166 code"),
        ({"regions": [""]}, "each of 'regions' must be 1 to 100 characters"),
        ({"regions": [f"r{n}" for n in range(21)]}, "'regions' has more than 20 entries"),
        ({"language": "not a tag"}, "language 'not a tag' is not a BCP 47 tag"),
        ({"visibility": "circle"}, "'visibility' must be one of public, unlisted, followers"),
        ({"urgency": "asap"}, "'urgency' must be one of low, normal, high, critical, not 'asap'"),
        ({"deadline": None}, "'deadline' is required"),
        ({"deadline": "next friday"}, "'deadline' 'next friday' is not an ISO 8601 date-time"),
        ({"deadline": "2026-12-01T18:00"}, "'deadline' needs a time zone"),
        ({"deadline": "2026-11-21T12:00Z"}, "is not in the future"),
        ({"max_hops": 21}, "'max_hops' must be a whole number from 0 to 20"),
        ({"max_hops": True}, "'max_hops' must be a whole number"),
        ({"max_hops": "3"}, "'max_hops' must be a whole number"),
        ({"actions": ["x" * 501]}, "each of 'actions' must be 1 to 500 characters"),
    ],
)
def test_a_bad_call_names_the_field_and_the_rule(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        validation.call(CALL | change, NOW)


def test_a_strategys_summary_is_bounded() -> None:
    with pytest.raises(InvalidInput, match="'summary' is longer than 500"):
        validation.strategy(STRATEGY | {"summary": "x" * 501})
    assert validation.strategy(STRATEGY | {"summary": " "}).fields.summary is None


def test_a_revision_is_the_changes_over_the_draft_validated_as_a_whole() -> None:
    draft = validation.call(CALL | {"regions": ["PL"]}, NOW)
    revised = validation.revise(draft, {"title": "Fill it again", "urgency": "high"}, NOW)
    assert (revised.fields.title, revised.fields.urgency) == ("Fill it again", Urgency.HIGH)
    assert (revised.fields.regions, revised.content) == (("PL",), "Come.")
    with pytest.raises(InvalidInput, match="'deadline'"):
        validation.revise(draft, {}, NOW + timedelta(days=30))  # its deadline has passed
    strategy = validation.revise(validation.strategy(STRATEGY), {"summary": "Short"}, NOW)
    assert strategy.kind is Kind.STRATEGY and strategy.fields.summary == "Short"


@pytest.mark.parametrize("kind", [Kind.CALL, Kind.STRATEGY])
def test_the_kept_source_reads_back_as_the_same_draft(kind: Kind) -> None:
    body = {"themes": ["labour"], "regions": ["PL"], "summary": "S", "language": "pl"}
    if kind is Kind.CALL:
        draft = validation.call(CALL | body | {"actions": ["Come"], "urgency": "low"}, NOW)
    else:
        draft = validation.strategy(STRATEGY | body)
    source = draft.as_source()
    assert validation.from_source(kind, source) == draft
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert validation.from_source(kind, source).fields.is_expired(later) is (kind is Kind.CALL)
