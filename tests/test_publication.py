"""The words of a publication: Kind, Visibility and Urgency equal the strings stored and sent;
values read back name one of them or none; a publication is listed when public or unlisted, and
a call expires when its deadline has come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.publication import (
    DEFAULT_MAX_HOPS,
    LISTED,
    URGENT,
    Fields,
    Kind,
    Urgency,
    Visibility,
    kind_of,
    urgency_of,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_the_words_equal_the_strings_on_the_wire() -> None:
    assert Kind.CALL == "call" and Visibility("followers") is Visibility.FOLLOWERS
    assert (Kind.CALL.as_type, Kind.STRATEGY.as_type) == ("Note", "Article")
    assert LISTED == {"public", "unlisted"} and URGENT == {"high", "critical"}
    assert DEFAULT_MAX_HOPS == 6


def test_values_read_back_name_a_word_or_none() -> None:
    assert kind_of("strategy") is Kind.STRATEGY and urgency_of("low") is Urgency.LOW
    for unknown in (None, "", "Call", 7, ["call"]):
        assert kind_of(unknown) is None and urgency_of(unknown) is None


def test_listed_and_expired() -> None:
    for visibility in Visibility:
        assert Fields(Kind.CALL, visibility).is_listed is (visibility in LISTED)
    due = Fields(Kind.CALL, Visibility.PUBLIC, deadline=NOW)
    assert due.is_expired(NOW) and not due.is_expired(NOW - timedelta(seconds=1))
    assert not Fields(Kind.CALL, Visibility.PUBLIC).is_expired(NOW)
    assert not Fields(Kind.STRATEGY, Visibility.PUBLIC, deadline=NOW).is_expired(NOW)
