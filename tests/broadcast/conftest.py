"""Fixtures of the broadcast tests: the fake Bot API over real HTTP, a Bot pointed at it, the outbox store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.broadcast.store import SqlDeliveryStore
from bot.dispatcher import build_bot
from sandbox.fake_bot_api import FakeBotAPI
from sandbox.server import serve

BOT_TOKEN = "1000001:test-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    async with serve(api.app) as base_url:
        api.base_url = base_url
        yield api
        await api.close()


@pytest.fixture
async def bot(fake):
    bot = build_bot(BOT_TOKEN, fake.base_url)
    yield bot
    await bot.session.close()


@pytest.fixture
async def store(db) -> AsyncIterator[SqlDeliveryStore]:
    yield SqlDeliveryStore(db)
