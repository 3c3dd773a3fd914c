"""Statements straight through asyncpg (storage/raw.py), as the webhook replicas' claims run: committed or rolled
back whole, and their failures read as SQLAlchemy's, so that the API answers them as it answers any other
statement's (a lost connection 503 and dropped from the pool, a value out of range 422, a bug 500)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from api.errors import _unavailable, _unrepresentable
from storage import raw
from storage.db import is_sqlite


@pytest.fixture(autouse=True)
def postgresql_only(database_url):
    if is_sqlite(database_url):
        pytest.skip("asyncpg: PostgreSQL only")


async def scratch(db) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE IF NOT EXISTS raw_scratch (n bigint PRIMARY KEY)"))
        await connection.execute(text("TRUNCATE raw_scratch"))


async def rows(db) -> list[int]:
    async with db.engine.connect() as connection:
        return list((await connection.execute(text("SELECT n FROM raw_scratch ORDER BY n"))).scalars())


async def test_a_transaction_is_committed_whole_or_not_at_all(db):
    await scratch(db)
    async with raw.connection(db.engine, transaction=True) as connection:
        await connection.execute("INSERT INTO raw_scratch VALUES (1), (2)")
    with pytest.raises(sa_exc.DBAPIError) as failed:
        async with raw.connection(db.engine, transaction=True) as connection:
            await connection.execute("INSERT INTO raw_scratch VALUES (3)")
            await connection.execute("INSERT INTO raw_scratch VALUES (1)")  # a duplicate key: the whole fails
    assert await rows(db) == [1, 2]
    assert not _unavailable(failed.value) and not _unrepresentable(failed.value)  # a bug: 500


async def test_a_value_out_of_range_is_the_callers_mistake(db):
    await scratch(db)
    with pytest.raises(sa_exc.DBAPIError) as failed:
        async with raw.connection(db.engine) as connection:
            await connection.execute("INSERT INTO raw_scratch VALUES ($1)", 2**70)
    assert _unrepresentable(failed.value)  # 422


async def test_a_killed_connection_is_unavailable_and_dropped_from_the_pool(db):
    with pytest.raises(sa_exc.DBAPIError) as failed:
        async with raw.connection(db.engine) as connection:
            victim = await connection.fetchval("SELECT pg_backend_pid()")
            async with db.engine.connect() as other:  # another connection of the pool (this one is out)
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
            await connection.fetchval("SELECT 1")
    assert _unavailable(failed.value)  # 503
    for _ in range(3):  # the pool opened a new one in its place: none of them is the dead one
        async with raw.connection(db.engine) as connection:
            assert await connection.fetchval("SELECT pg_backend_pid()") != victim
