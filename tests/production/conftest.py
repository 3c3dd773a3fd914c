"""Production-mode fixtures: the bot in webhook mode, served over real HTTP from the same FastAPI app as the
API, with the fake Bot API delivering updates to it as Telegram does after setWebhook."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.backend import Backend
from bot.dispatcher import build_bot, build_dispatcher
from bot.webhook import WebhookReceiver, mount_webhook, register_webhook
from sandbox.fake_bot_api import FakeBotAPI
from sandbox.server import serve
from tests.conftest import SERVICE_TOKEN
from tests.harness import BOT_TOKEN, Telegram, UpdateCounter

SECRET = "test-webhook-secret_0123456789"
PATH = "/telegram/webhook"


class WebhookTelegram(Telegram):
    def __init__(self, fake: FakeBotAPI, dispatcher: Any, receiver: WebhookReceiver, url: str) -> None:
        super().__init__(fake, dispatcher, UpdateCounter())
        self.receiver = receiver
        self.url = url  # where Telegram POSTs updates

    async def settle(self, timeout: float = 15) -> None:
        # The webhook answers only when the update is handled, so "every delivery answered" is exact.
        await self.fake.wait_until_idle(timeout=timeout, quiet=0.02)


@asynccontextmanager
async def webhook_bot(api_app: Any, *, secret: str = SECRET, path: str = PATH) -> AsyncIterator[WebhookTelegram]:
    fake = FakeBotAPI()
    async with serve(fake.app) as fake_url:
        bot = build_bot(BOT_TOKEN, fake_url)
        backend = Backend.in_process(api_app, SERVICE_TOKEN)
        dispatcher = build_dispatcher(backend, default_language="uk")
        receiver = WebhookReceiver(dispatcher, bot, backend, secret)
        mount_webhook(api_app, path, receiver)
        try:
            async with serve(api_app) as api_url:
                await register_webhook(bot, dispatcher, api_url + path, secret)
                yield WebhookTelegram(fake, dispatcher, receiver, api_url + path)
                await fake.close()
        finally:
            await backend.close()
            await bot.session.close()


@pytest.fixture
async def webhook(api_app) -> AsyncIterator[WebhookTelegram]:
    async with webhook_bot(api_app) as harness:
        yield harness
