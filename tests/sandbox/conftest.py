"""A real aiogram Bot and Dispatcher polling the fake Bot API over real HTTP on an ephemeral port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot
from fastapi import FastAPI

from sandbox import FakeBotAPI, serve
from sandbox.web import mount_sandbox
from tests.sandbox.echo_bot import Site, aiogram_bot, echo_router, polling


@pytest.fixture
def fake() -> FakeBotAPI:
    return FakeBotAPI()


@pytest_asyncio.fixture
async def base_url(fake: FakeBotAPI) -> AsyncIterator[str]:
    async with serve(fake.app) as url:
        yield url


@pytest_asyncio.fixture
async def bot(base_url: str) -> AsyncIterator[Bot]:
    bot = aiogram_bot(base_url)
    yield bot
    await bot.session.close()


@pytest_asyncio.fixture
async def echo_bot(bot: Bot) -> AsyncIterator[Bot]:
    """The echo bot, polling."""
    async with polling(bot, echo_router()):
        yield bot


@pytest_asyncio.fixture
async def sandbox_site() -> AsyncIterator[Site]:
    """A FastAPI app with the sandbox mounted (as ``viche run`` does), served, and the echo bot polling it."""
    app = FastAPI()
    fake = FakeBotAPI()
    mount_sandbox(app, fake, prefix="/fakebot")
    async with serve(app) as base:
        bot = aiogram_bot(f"{base}/fakebot")
        async with polling(bot, echo_router()):
            yield Site(base, fake, bot)
        await bot.session.close()
