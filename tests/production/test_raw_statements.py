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


INSERT = "INSERT INTO processed_update (bot_id, update_id, processed_at, running) VALUES (1, $1, now(), false)"


async def recorded(db) -> list[int]:
    async with db.engine.connect() as connection:
        return list(
            (await connection.execute(text("SELECT update_id FROM processed_update ORDER BY update_id"))).scalars()
        )


async def test_a_transaction_is_committed_whole_or_not_at_all(db):
    async with raw.connection(db.engine, transaction=True) as connection:
        await connection.execute(INSERT, 1)
        await connection.execute(INSERT, 2)
    with pytest.raises(sa_exc.DBAPIError) as failed:
        async with raw.connection(db.engine, transaction=True) as connection:
            await connection.execute(INSERT, 3)
            await connection.execute(INSERT, 1)  # a duplicate key: the whole transaction fails
    assert await recorded(db) == [1, 2]
    assert not _unavailable(failed.value) and not _unrepresentable(failed.value)  # a bug: 500


async def test_a_value_out_of_range_is_the_callers_mistake(db):
    with pytest.raises(sa_exc.DBAPIError) as failed:
        async with raw.connection(db.engine) as connection:
            await connection.execute(INSERT, 2**70)
    assert _unrepresentable(failed.value)  # 422
    assert await recorded(db) == []


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
