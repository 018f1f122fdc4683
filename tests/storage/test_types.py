"""UTC datetimes through the database on SQLite and PostgreSQL: stored in UTC, read back aware,
and a naive datetime refused before it is written."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from node.federation.runtime import Runtime
from node.storage.tables import DomainBlockRow
from node.storage.types import UTCDateTime

WARSAW = timezone(timedelta(hours=1))


async def test_moments_come_back_aware_in_utc(node: Runtime) -> None:
    local = datetime(2026, 11, 21, 13, 30, tzinfo=WARSAW)
    async with node.db.transaction() as session:
        session.add(DomainBlockRow(domain="spam.example", reason="", created_at=local))
    async with node.db.transaction() as session:
        found = await session.scalar(select(DomainBlockRow.created_at))
    assert found == local and found is not None
    assert found.utcoffset() == timedelta(0) and found.hour == 12


async def test_a_naive_moment_is_refused(node: Runtime) -> None:
    with pytest.raises(StatementError, match="naive datetime given to a UTC column"):
        async with node.db.transaction() as session:
            session.add(
                DomainBlockRow(domain="spam.example", reason="", created_at=datetime(2026, 1, 1))
            )
    assert UTCDateTime().process_bind_param(None, node.db.engine.dialect) is None
