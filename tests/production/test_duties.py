"""The database's duties run in one process per database (viche/duties.py, storage/leadership.py): here, the opinion
groups' refresher. Every replica used to run one, each recomputing every changed consultation (seconds of CPU
each) and writing the same rows in turn. Two processes are stood for by two DatabaseDuties, each with a pool of
its own on one PostgreSQL (SQLite is one process's database: it always leads)."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.settings import Settings
from storage.db import Database, is_sqlite
from storage.leadership import TRY_EVERY
from storage.models_groups import OpinionGroups
from tests.conftest import SERVICE_TOKEN
from tests.groups.conftest import polis_folder
from tests.groups.test_stored_groups import add_newcomer_agreeing, consultation_id
from viche.duties import DatabaseDuties
from viche.importers.polis import import_polis


@pytest.fixture(autouse=True)
def postgresql_only(database_url):
    if is_sqlite(database_url):
        pytest.skip("several processes on one database: PostgreSQL only")


async def until(condition, timeout: float, what: str):
    """``condition()``'s first truthy value (awaited when it is a coroutine), checked every 50 ms."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_the_opinion_groups_are_refreshed_by_the_leading_process_alone(db, database_url):
    result = await import_polis(db, polis_folder("15-per-hour-seattle"), slug="seattle")
    cid = await consultation_id(db, result.slug)
    settings = Settings(database_url=database_url, service_token=SERVICE_TOKEN, _env_file=None)
    pools = [Database(database_url), Database(database_url)]
    first = DatabaseDuties(settings, pools[0], None)
    second: DatabaseDuties | None = None
    try:
        await until(lambda: first.leadership.leading, 15, "the first process never led")
        second = DatabaseDuties(settings, pools[1], None)

        async def stored_votes() -> int | None:
            async with db.session() as s:
                row = await s.get(OpinionGroups, cid)
                return row.votes_count if row is not None else None

        assert await until(stored_votes, 120, "the leader never computed the groups") == result.votes
        await asyncio.sleep(TRY_EVERY + 0.5)  # the other process has asked to lead, and been refused
        assert first.groups is not None and first.groups.task is not None and not first.groups.task.done()
        assert second.groups is None and not second.leadership.leading

        # The leader goes; the other takes over, and the groups go on following the votes.
        await first.stop()
        async with db.session() as s:
            await add_newcomer_agreeing(s, 7)
            await s.commit()
        await until(lambda: second.groups is not None, 15, "nobody took the duties over")

        async def caught_up() -> bool:
            return await stored_votes() == result.votes + 7

        await until(caught_up, 120, "the groups stopped following the votes")
    finally:
        await first.stop()
        if second is not None:
            await second.stop()
        for pool in pools:
            await pool.dispose()
