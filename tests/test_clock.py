"""Injected time: the system clock is aware UTC; a frozen clock stands still until told to
move, in UTC whatever zone it was set in, and refuses a naive moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from node.clock import FrozenClock, SystemClock

WARSAW = timezone(timedelta(hours=1))


def test_a_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(datetime(2026, 11, 21, 13, 0, tzinfo=WARSAW))
    assert clock.now() == clock.now() == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    clock.advance(timedelta(minutes=5))
    assert clock.now() == datetime(2026, 11, 21, 12, 5, tzinfo=UTC)
    clock.set(datetime(2027, 1, 1, 1, 0, tzinfo=WARSAW))
    assert clock.now() == datetime(2027, 1, 1, 0, 0, tzinfo=UTC) and clock.now().tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        FrozenClock(datetime(2026, 1, 1))


def test_the_system_clock_is_aware_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)
