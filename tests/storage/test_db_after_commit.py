"""after_commit: what must count only what was kept (metrics) runs once the transaction has
committed, after the rows are there, and never when it rolls back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from node.storage.db import Database, after_commit
from node.storage.tables import DomainBlockRow

START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def test_callbacks_run_after_a_commit_and_never_after_a_rollback(db_url: str) -> None:
    db = Database(db_url)
    seen: list[str] = []
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                session.add(DomainBlockRow(domain="a.example", reason="", created_at=START))
                after_commit(session, lambda: seen.append("rolled back"))
                raise RuntimeError("the use case failed")
        async with db.transaction() as session:
            session.add(DomainBlockRow(domain="b.example", reason="", created_at=START))
            after_commit(session, lambda: seen.append("kept"))
            assert seen == []  # not before the commit
        assert seen == ["kept"]
        async with db.transaction() as session:
            count = await session.scalar(select(func.count()).select_from(DomainBlockRow))
        assert count == 1
    finally:
        await db.close()
