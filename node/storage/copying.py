"""Copying a node's database into another (`db copy`, SQLite to PostgreSQL): every row of
every table, parents before children, read in one transaction and written in one, so the target
holds all of it or nothing. The target must be migrated to the same revision and hold no rows
but those its migrations seed (SEEDED: replaced by the source's); PostgreSQL's id sequences
then continue after the copied ids.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from node.errors import StorageError
from node.storage.db import Database, describe
from node.storage.tables import Base

CHUNK = 1000
SEEDED = frozenset({"federation_state"})  # one row made by migration 0030, the source has its own

Progress = Callable[[str, int], None]


async def copy_rows(source: Database, target: Database, progress: Progress) -> dict[str, int]:
    """Copy every row; returns the rows copied per table (each checked against the target)."""
    copied: dict[str, int] = {}
    try:
        async with source.engine.connect() as reading, target.engine.begin() as writing:
            await _check_empty(writing)
            for table in Base.metadata.sorted_tables:
                copied[table.name] = await _copy_table(reading, writing, table.name)
                progress(table.name, copied[table.name])
            if writing.dialect.name == "postgresql":
                await _continue_sequences(writing)
            await _check_counts(writing, copied)
    except SQLAlchemyError as exc:
        raise StorageError(f"copy failed, the target is unchanged: {describe(exc)}") from exc
    return copied


async def _check_empty(writing: AsyncConnection) -> None:
    for table in Base.metadata.sorted_tables:
        if table.name in SEEDED:
            await writing.execute(delete(table))
        elif await writing.scalar(select(func.count()).select_from(table)):
            raise StorageError(f"the target database already has rows in {table.name}")


async def _copy_table(reading: AsyncConnection, writing: AsyncConnection, name: str) -> int:
    table = Base.metadata.tables[name]
    statement = select(table).order_by(*table.primary_key.columns)
    result = await reading.stream(statement.execution_options(yield_per=CHUNK))
    count = 0
    async for rows in result.partitions(CHUNK):
        await writing.execute(insert(table), [dict(row._mapping) for row in rows])
        count += len(rows)
    return count


async def _continue_sequences(writing: AsyncConnection) -> None:
    """Each integer id's sequence continues after the largest copied id."""
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.autoincrement:
            continue
        await writing.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )


async def _check_counts(writing: AsyncConnection, copied: dict[str, int]) -> None:
    for name, expected in copied.items():
        found = await writing.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
        if found != expected:
            raise StorageError(f"{name}: {found} rows arrived of {expected}")
