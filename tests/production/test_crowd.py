"""A crowd at once, through the bot as ``viche run`` runs it by long polling (the fake Bot API over real HTTP →
the aiogram dispatcher, 20 updates at once → the API in the same process → the database): 200 participants walk
the demo consultation together (an answer, three votes each with its "why?", the pairs). Nobody sees "Something
went wrong", the API answers no 5xx, and every answer and vote a person saw acknowledged is in the database
exactly once. Run on SQLite (the default) and on PostgreSQL (``VICHE_TEST_DATABASE_URL``).

Bounded: loopback only, 60 s at most for any one step and 6 minutes for the whole crowd. SQLite's write gate is
what this guards (storage/sqlite.py): without it, 40 participants already got 37 × 5xx and 30-second stalls."""

from __future__ import annotations

import asyncio

from tests.conftest import SERVICE_TOKEN
from tests.crowd import run_crowd

PARTICIPANTS = 200
WRITES_EACH = 10  # the demo: one answer, three votes and their three "why?"s, three pairs


async def test_200_participants_voting_at_once_lose_nothing_and_see_no_error(api_app, db, demo):
    chats = range(7_000_001, 7_000_001 + PARTICIPANTS)
    async with asyncio.timeout(360):
        outcome = await run_crowd(api_app, db, SERVICE_TOKEN, chats, step_timeout=60)
    print(outcome.summary())

    assert outcome.server_errors == 0, outcome.statuses
    assert outcome.failures == 0 and outcome.stuck == 0, outcome.summary()
    assert outcome.finished == PARTICIPANTS, outcome.summary()
    assert outcome.acknowledged == PARTICIPANTS * WRITES_EACH
    assert outcome.lost() == 0 and outcome.duplicates() == 0, outcome.summary()
    assert all(s.consented == 1 and s.completed == 1 for s in outcome.database.values())
