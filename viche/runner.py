"""Running API and bot in one process: Telegram (or a compatible Bot API server) or the sandbox."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from aiogram import Bot, Dispatcher
from fastapi import FastAPI

from api.app import create_app
from api.broadcast.store import SqlOutboxStore
from bot.backend import Backend
from bot.broadcaster import BroadcastConfig, Broadcaster
from bot.dispatcher import build_bot, build_dispatcher
from storage.db import Database
from viche.gc_settings import settle_after_start
from viche.settings import Settings
from bot.webhook import MAX_CONCURRENT_UPDATES
from viche.production import housekeeping, install_webhook, prepare_polling, start_webhook, stop_webhook

log = logging.getLogger("viche")

SANDBOX_TOKEN = "1000001:sandbox-token-not-a-secret"
SANDBOX_PREFIX = "/fakebot"


@dataclass
class Running:
    """A started viche: where it listens, and the parts a caller may want to reach."""

    base_url: str
    api: FastAPI
    bot: Bot
    dispatcher: Dispatcher
    server: uvicorn.Server
    serving: asyncio.Task
    sandbox: object | None = None  # the FakeBotAPI when no token is configured


def build_backend(settings: Settings, api: FastAPI) -> Backend:
    if settings.api_url:
        return Backend.remote(settings.api_url, settings.service_token)
    return Backend.in_process(api, settings.service_token)


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[Running]:
    """Serve the API (and the sandbox without a token) and poll for updates until the block ends."""
    db = Database(settings.database_url)
    api = create_app(settings, db)
    base = f"http://{settings.host}:{settings.port}"
    sandbox = None
    if settings.bot_token:
        bot = build_bot(settings.bot_token, settings.telegram_api_url)
    else:
        from sandbox.fake_bot_api import FakeBotAPI
        from sandbox.web import mount_sandbox

        sandbox = FakeBotAPI()
        mount_sandbox(api, sandbox, prefix=SANDBOX_PREFIX)
        bot = build_bot(SANDBOX_TOKEN, f"{base}{SANDBOX_PREFIX}")
    backend = build_backend(settings, api)
    dispatcher = build_dispatcher(backend, default_language=settings.default_language)
    webhook_url = install_webhook(settings, api, bot, dispatcher, backend) if settings.webhook_url else None

    # Long polls stay open until they time out; a short graceful shutdown keeps Ctrl+C snappy.
    server = uvicorn.Server(uvicorn.Config(api, host=settings.host, port=settings.port, log_level="info",
                                           access_log=False, timeout_graceful_shutdown=1))
    serving = asyncio.create_task(server.serve())
    polling: asyncio.Task | None = None
    housekeeper: asyncio.Task | None = None
    broadcaster: Broadcaster | None = None
    broadcasting: asyncio.Task | None = None
    try:
        while not server.started:
            if serving.done():
                await serving  # the port was taken, or the app failed: surface the real error
                raise RuntimeError(f"the server did not start on {base}")
            await asyncio.sleep(0.05)
        if webhook_url:
            await start_webhook(settings, bot, dispatcher, webhook_url)
        else:
            await prepare_polling(bot)
            polling = asyncio.create_task(dispatcher.start_polling(
                bot, handle_signals=False, tasks_concurrency_limit=MAX_CONCURRENT_UPDATES))
        if not settings.api_url:  # this process owns the database
            housekeeper = asyncio.create_task(housekeeping(settings, db))
            broadcaster = Broadcaster(bot, SqlOutboxStore(db), BroadcastConfig.from_settings(settings))
            dispatcher["broadcaster"] = broadcaster  # /digest wakes it at once
            broadcasting = asyncio.create_task(broadcaster.run(), name="broadcaster")
        yield Running(base, api, bot, dispatcher, server, serving, sandbox)
    finally:
        if broadcaster is not None:
            await broadcaster.close()  # lets the messages under way finish and records them (bot/broadcaster.py)
        for task in (polling, housekeeper, broadcasting):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        started = server.started
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)  # webhook requests under way finish first
        if webhook_url and started:
            await stop_webhook(bot, dispatcher)  # then the shutdown hooks (the last handled update ids are written)
        await backend.close()
        await bot.session.close()
        await db.dispose()


async def run(settings: Settings) -> None:
    async with started(settings) as running:
        settle_after_start()  # not in started(): tests start many in one process
        if settings.bot_token:
            receiving = (f"webhook {settings.webhook_url}" if settings.webhook_url
                         else f"polling {settings.telegram_api_url or 'Telegram'}")
            print(f"viche is running: API at {running.base_url}/docs, bot {receiving}", flush=True)
        else:
            print(f"viche sandbox is running (no VICHE_BOT_TOKEN set).\n"
                  f"  Chat with the bot: {running.base_url}/sandbox\n"
                  f"  API docs:          {running.base_url}/docs", flush=True)
        await running.serving
