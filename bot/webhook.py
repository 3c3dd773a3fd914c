"""Webhook mode with aiogram: the rules (the secret, dedup, one person's updates in order, answering only once the
update's effects are committed) are bot/adapter/webhook.py's, shared with python-telegram-bot; here only aiogram's
:class:`~bot.adapter.webhook.Feeder` and setWebhook."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from pydantic import ValidationError

from bot.adapter.webhook import (
    DEFAULT_PATH,
    MAX_CONCURRENT_UPDATES,
    MAX_CONNECTIONS,
    SECRET_HEADER,
    KeyedLocks,
    WebhookCore,
    mount_webhook,
    public_url,
    webhook_path,
)
from bot.backend import Backend
from bot.handlers.fallback import is_transient

__all__ = [
    "DEFAULT_PATH",
    "MAX_CONCURRENT_UPDATES",
    "SECRET_HEADER",
    "KeyedLocks",
    "WebhookReceiver",
    "mount_webhook",
    "public_url",
    "register_webhook",
    "webhook_path",
]

log = logging.getLogger(__name__)


class AiogramFeeder:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, context: dict[str, Any]) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.context = context

    def parse(self, body: Any) -> Update | None:
        try:
            return Update.model_validate(body, context={"bot": self.bot})
        except ValidationError as error:
            log.warning("ignoring an update this aiogram cannot read: %s", str(error)[:500])
            return None

    async def feed(self, update: Update, update_id: int, redelivered: bool) -> None:
        result = await self.dispatcher.feed_update(self.bot, update, **self.context, redelivered=redelivered)
        if isinstance(result, TelegramMethod):
            await self.bot(result)

    def is_transient(self, error: BaseException) -> bool:
        return is_transient(error)


class WebhookReceiver(WebhookCore):
    def __init__(self, dispatcher: Dispatcher, bot: Bot, backend: Backend, secret: str, **context: Any) -> None:
        known = dispatcher.workflow_data.get("known")
        super().__init__(AiogramFeeder(dispatcher, bot, context), bot.id, backend, secret, token=bot.token, known=known)
        self.dispatcher = dispatcher
        self.bot = bot
        self.context = context
        # Errors that Telegram can fix by delivering again must reach us (see handlers/fallback.on_error).
        dispatcher["redeliver_on_outage"] = True
        dispatcher.shutdown.register(self.close)


async def register_webhook(bot: Bot, dispatcher: Dispatcher, url: str, secret: str) -> None:
    """setWebhook with the secret and the update types the routers use. Updates Telegram queued while the bot
    was down are kept: they are delivered now."""
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=dispatcher.resolve_used_update_types(),
        drop_pending_updates=False,
        max_connections=MAX_CONNECTIONS,
    )
