"""Putting viche into a python-telegram-bot Application, and the Application and backend it talks through."""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application

from bot.adapter import menus
from bot.adapter.conversation import CITIZEN_COMMANDS, Conversation
from bot.backend import Backend
from viche.ptb.calls import PtbMenus
from viche.ptb.handler import VicheHandler
from viche.ptb.namespace import DEFAULT, Namespace

GROUP = -1
"""viche's handler group: before the host's (PTB's default group is 0), so that an update viche takes (its deep
link, its buttons …) is answered once, by viche, and stopped there; every other update goes on to the host."""


class Viche:
    """viche's part of one Application: its handler, its flows, its backend."""

    def __init__(
        self,
        backend: Backend,
        *,
        default_language: str = "uk",
        standalone: bool = False,
        command: str = "consult",
        citizen_commands: Collection[str] = CITIZEN_COMMANDS,
        namespace: str = DEFAULT,
        group: int = GROUP,
        delivery: Any = None,
    ) -> None:
        self.backend = backend
        self.group = group
        self.conversation = Conversation(
            backend,
            default_language=default_language,
            standalone=standalone,
            entry=command,
            citizen_commands=citizen_commands,
            delivery=delivery,
            api_errors=(TelegramError,),
        )
        self.handler = VicheHandler(self.conversation, Namespace(namespace))

    def install(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.add_handler(self.handler, group=self.group)

    async def publish_menus(self, bot: Bot) -> None:
        """The command menus in every language and the organisers' own (bot/adapter/menus.py). A bot of viche's
        own publishes them at start; a host whose menu is its own leaves this out, or publishes its own after."""
        await menus.publish_menus(PtbMenus(bot), self.backend)


def add_viche(application: Application[Any, Any, Any, Any, Any, Any], backend: Backend, **options: Any) -> Viche:
    """viche's handler in ``application`` (see :class:`Viche` for ``options``); returns viche's part."""
    viche = Viche(backend, **options)
    viche.install(application)
    return viche


def build_application(
    token: str, api_url: str | None = None, *, concurrent_updates: int = 1
) -> Application[Any, Any, Any, Any, Any, Any]:
    """An Application talking to Telegram, or to any compatible Bot API server at ``api_url``. Updates are
    handled one at a time by default (PTB's own default), so one person's are handled in order; with
    ``concurrent_updates`` above 1, PTB orders nothing (the webhook's per-person order: viche/ptb/webhook.py)."""
    builder = Application.builder().token(token).concurrent_updates(concurrent_updates)
    if api_url:
        base = api_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    return builder.build()


def connect_backend(api_url: str | None = None, service_token: str | None = None) -> Backend:
    """The client of ``viche api`` at ``api_url`` (default ``VICHE_API_URL``) with ``service_token`` (default
    ``VICHE_SERVICE_TOKEN``). In one process with the API, use ``Backend.in_process(app, token)`` instead."""
    url = api_url or os.environ.get("VICHE_API_URL")
    token = service_token or os.environ.get("VICHE_SERVICE_TOKEN")
    if not url or not token:
        raise RuntimeError("VICHE_API_URL and VICHE_SERVICE_TOKEN must name the API and its service token")
    return Backend.remote(url, token)
