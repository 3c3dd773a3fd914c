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
    def __init__(self, fake: FakeBotAPI, dispatcher: Any, receiver: Any, url: str, namespace: str = "") -> None:
        super().__init__(fake, dispatcher, UpdateCounter(), namespace)
        self.receiver = receiver
        self.url = url  # where Telegram POSTs updates

    async def settle(self, timeout: float = 15) -> None:
        # The webhook answers only when the update is handled, so "every delivery answered" is exact.
        await self.fake.wait_until_idle(timeout=timeout, quiet=0.02)


@asynccontextmanager
async def webhook_bot(
    api_app: Any, *, secret: str = SECRET, path: str = PATH, framework: str = "aiogram"
) -> AsyncIterator[WebhookTelegram]:
    """The bot on the webhook, served by the API's app: aiogram's dispatcher, or (``framework="ptb"``) viche in a
    python-telegram-bot Application behind the same receiver (viche/ptb/webhook.py)."""
    fake = FakeBotAPI()
    async with serve(fake.app) as fake_url:
        backend = Backend.in_process(api_app, SERVICE_TOKEN)
        runner = _ptb if framework == "ptb" else _aiogram
        try:
            async with runner(api_app, fake, fake_url, backend, secret, path) as harness:
                yield harness
                await fake.close()
        finally:
            await backend.close()


@asynccontextmanager
async def _aiogram(
    api_app: Any, fake: FakeBotAPI, fake_url: str, backend: Backend, secret: str, path: str
) -> AsyncIterator[WebhookTelegram]:
    bot = build_bot(BOT_TOKEN, fake_url)
    dispatcher = build_dispatcher(backend, default_language="uk")
    receiver = WebhookReceiver(dispatcher, bot, backend, secret)
    mount_webhook(api_app, path, receiver)
    try:
        async with serve(api_app) as api_url:
            await register_webhook(bot, dispatcher, api_url + path, secret)
            yield WebhookTelegram(fake, dispatcher, receiver, api_url + path)
    finally:
        await bot.session.close()


@asynccontextmanager
async def _ptb(
    api_app: Any, fake: FakeBotAPI, fake_url: str, backend: Backend, secret: str, path: str
) -> AsyncIterator[WebhookTelegram]:
    from viche.ptb import add_viche, build_application
    from viche.ptb.webhook import PtbWebhook

    application = build_application(BOT_TOKEN, fake_url)
    viche = add_viche(application, backend, default_language="uk", standalone=True)
    await application.initialize()
    receiver = PtbWebhook(application, viche, backend, secret)
    mount_webhook(api_app, path, receiver)
    try:
        async with serve(api_app) as api_url:
            await receiver.register(api_url + path)
            yield WebhookTelegram(fake, application, receiver, api_url + path, viche.handler.namespace.prefix)
    finally:
        await receiver.close()
        await application.shutdown()


@pytest.fixture
async def webhook(api_app, framework) -> AsyncIterator[WebhookTelegram]:
    async with webhook_bot(api_app, framework=framework) as harness:
        yield harness
