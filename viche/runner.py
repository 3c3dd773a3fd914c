"""Running API and bot in one process: Telegram (or a compatible Bot API server) or the sandbox."""
from __future__ import annotations

import asyncio
import logging

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from bot.backend import Backend
from bot.dispatcher import build_bot, build_dispatcher
from storage.db import Database
from viche.settings import Settings

log = logging.getLogger("viche")

SANDBOX_TOKEN = "1000001:sandbox-token-not-a-secret"
SANDBOX_PREFIX = "/fakebot"


def build_backend(settings: Settings, api: FastAPI) -> Backend:
    if settings.api_url:
        return Backend.remote(settings.api_url, settings.service_token)
    return Backend.in_process(api, settings.service_token)


async def run(settings: Settings) -> None:
    db = Database(settings.database_url)
    api = create_app(settings, db)
    base = f"http://{settings.host}:{settings.port}"
    if settings.bot_token:
        bot = build_bot(settings.bot_token, settings.telegram_api_url)
    else:
        from sandbox.fake_bot_api import FakeBotAPI
        from sandbox.web import mount_sandbox

        mount_sandbox(api, FakeBotAPI(), prefix=SANDBOX_PREFIX)
        bot = build_bot(SANDBOX_TOKEN, f"{base}{SANDBOX_PREFIX}")
    backend = build_backend(settings, api)
    dispatcher = build_dispatcher(backend, default_language=settings.default_language)

    server = uvicorn.Server(uvicorn.Config(api, host=settings.host, port=settings.port, log_level="info"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # the port was taken, or the app failed: surface the real error
            return
        await asyncio.sleep(0.05)
    if settings.bot_token:
        print(f"viche is running: API at {base}/docs, bot polling {settings.telegram_api_url or 'Telegram'}")
    else:
        print(f"viche sandbox is running (no VICHE_BOT_TOKEN set).\n"
              f"  Chat with the bot: {base}/sandbox\n  API docs:          {base}/docs", flush=True)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    try:
        await serving
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await backend.close()
        await bot.session.close()
        await db.dispose()
