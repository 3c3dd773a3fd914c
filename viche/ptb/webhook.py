"""Webhook mode with python-telegram-bot: the same receiver as aiogram's (bot/adapter/webhook.py: the secret token
checked on every request, a repeated update handled once, one person's updates in order, the answer to Telegram
only once the update's effects are committed, an outage answered 503 so that Telegram delivers the update again),
fed into the Application. PTB's own webhook server (``Application.run_webhook``) checks the secret but keeps
none of the rest, so viche's route is served instead: mount it on any FastAPI app (the API's own, or
:func:`webhook_app` run by uvicorn).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from telegram import Update
from telegram.ext import Application

from bot.adapter import routing
from bot.adapter.webhook import MAX_CONNECTIONS, WebhookCore, bot_id_of, mount_webhook
from bot.backend import Backend
from viche.ptb.handler import OUTAGES, VicheHandler
from viche.ptb.install import Viche

log = logging.getLogger(__name__)


class PtbFeeder:
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], handler: VicheHandler) -> None:
        self.application = application
        self.handler = handler

    def parse(self, body: Any) -> Update | None:
        try:
            return Update.de_json(body, self.application.bot)
        except Exception as error:  # noqa: BLE001 - whatever PTB cannot read, delivering it again will not help
            log.warning("ignoring an update python-telegram-bot cannot read: %s", str(error)[:500])
            return None

    async def feed(self, update: Update, update_id: int, redelivered: bool) -> None:
        if redelivered:
            self.handler.redelivered.add(update_id)
        try:
            await self.application.process_update(update)
        finally:
            self.handler.redelivered.discard(update_id)
        outage = self.handler.outages.pop(update_id, None)
        if outage is not None:  # held by viche's handler for us: answer 503, Telegram delivers it again
            raise outage

    def is_transient(self, error: BaseException) -> bool:
        return routing.is_transient(error, OUTAGES)


class PtbWebhook(WebhookCore):
    """viche's webhook receiver for an initialized Application that ``viche`` was added to."""

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], viche: Viche, backend: Backend, secret: str
    ) -> None:
        token = application.bot.token
        super().__init__(
            PtbFeeder(application, viche.handler),
            bot_id_of(token),
            backend,
            secret,
            token=token,
            known=viche.conversation.flows.known,
        )
        self.application = application
        viche.handler.redeliver_on_outage = True

    async def register(self, url: str) -> None:
        """setWebhook with the secret. Updates Telegram queued while the bot was down are delivered now."""
        await self.application.bot.set_webhook(
            url,
            secret_token=self._secret.decode(),
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            max_connections=MAX_CONNECTIONS,
        )


def webhook_app(receiver: PtbWebhook, path: str) -> FastAPI:
    """A FastAPI app serving only the webhook at ``path`` (behind a TLS proxy), for a host without an ASGI app."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    mount_webhook(app, path, receiver)
    return app
