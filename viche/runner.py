"""Running viche: API and bot in one process (``viche run``), or apart — the API with the database
(``viche api``) and bots talking to it over HTTP (``viche run`` with ``VICHE_API_URL``).

The process that owns the database also does what must happen once per database: the hourly housekeeping
and the delivery engine that sends broadcasts (digests, invitations; one engine per database, see bot/delivery)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.observe import install_metrics
from core.settings import Settings
from storage.db import Database
from viche.duties import DatabaseDuties
from viche.gc_settings import settle_after_start

if TYPE_CHECKING:  # imported once the server answers: see _import_bot
    from aiogram import Bot, Dispatcher

    from bot.backend import Backend

log = logging.getLogger("viche")

SANDBOX_TOKEN = "1000001:sandbox-token-not-a-secret"
SANDBOX_PREFIX = "/fakebot"


def needs_shared_token(settings: Settings) -> bool:
    """Bot and API apart need the same ``VICHE_SERVICE_TOKEN`` on both sides: a random one per process
    (the default) would lock the bot out of the API."""
    return "service_token" not in settings.model_fields_set


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


BOT_MODULES = ("aiogram.types", "bot.dispatcher", "bot.delivery.engine", "bot.webhook", "api.broadcast.store")
"""What the bot needs and the API does not. aiogram builds a pydantic model of every Bot API type when imported:
most of what /healthz used to wait for (5.9 s, now 1.9 s on a quiet 2-CPU machine; BENCHMARKS.md, "Start-up
and stop")."""


async def _import_bot() -> None:
    """Import the bot's modules in a worker thread, so that the server, already up, keeps answering meanwhile."""
    for name in BOT_MODULES:
        await asyncio.to_thread(importlib.import_module, name)


class _Server(uvicorn.Server):
    """uvicorn, minus its signal handling: Ctrl+C and SIGTERM belong to ``_stopped_by_signal``, which stops the
    bot and answers the long polls before the server closes (uvicorn's own handling closed the server first:
    a long poll cancelled mid-request printed a traceback, and the bot, still polling, "Failed to fetch
    updates")."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve(app: FastAPI, settings: Settings) -> tuple[uvicorn.Server, asyncio.Task]:
    # Long polls stay open until they time out; a short graceful shutdown keeps Ctrl+C snappy.
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=False,
            timeout_graceful_shutdown=1,
            log_config=None,  # uvicorn's lines go through the process's one configuration (core/logs.py)
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                await serving  # the port was taken, or the app failed: surface the real error
                raise RuntimeError(f"the server did not start on {settings.host}:{settings.port}")
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        # A signal while it starts (the API may already answer): the caller never gets the server to stop,
        # so stop it here. Left running, asyncio.run would cancel it at the end, mid-lifespan: a traceback.
        await _stop_serving(server, serving)
        raise
    return server, serving


async def _stop_serving(server: uvicorn.Server, serving: asyncio.Task) -> None:
    server.should_exit = True
    await asyncio.gather(serving, return_exceptions=True)  # requests under way finish first


def _bot_front(settings: Settings) -> FastAPI:
    """The bot's own server when the API runs apart: its webhook route (and the sandbox), ``/healthz`` and the
    bot's ``/metrics`` (with VICHE_METRICS_TOKEN), none of the API's routes — they live with the database, in the
    API's process."""
    front = FastAPI(title="viche bot", openapi_url=None, docs_url=None, redoc_url=None)

    @front.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_metrics(front, settings)
    return front


def build_backend(settings: Settings, api: FastAPI) -> Backend:
    from bot.backend import Backend

    if settings.api_url:
        return Backend.remote(settings.api_url, settings.service_token)
    return Backend.in_process(api, settings.service_token)


def _reachable(host: str) -> str:
    """The address this process reaches its own server at (the sandbox's bot calls it): listening on every
    interface (0.0.0.0, ::) is reached on loopback; an IPv6 address goes in brackets."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


@dataclass
class _Bot:
    bot: Bot
    backend: Backend
    dispatcher: Dispatcher


async def _bot(settings: Settings, api: FastAPI, base: str) -> _Bot:
    await _import_bot()
    from bot.dispatcher import build_bot, build_dispatcher

    if settings.bot_token:
        bot = build_bot(settings.bot_token, settings.telegram_api_url)
    else:
        bot = build_bot(SANDBOX_TOKEN, f"{base}{SANDBOX_PREFIX}")
    backend = build_backend(settings, api)
    return _Bot(bot, backend, build_dispatcher(backend, default_language=settings.default_language))


async def _stop_polling(dispatcher: Dispatcher, polling: asyncio.Task) -> None:
    """aiogram's own stop: cancelling the task that runs start_polling leaves its polling loop running (it waits
    on it with asyncio.wait), which then fails against the closed server ("Failed to fetch updates")."""
    if not polling.done():
        with contextlib.suppress(RuntimeError, TimeoutError):  # RuntimeError: polling had not begun yet
            await asyncio.wait_for(dispatcher.stop_polling(), timeout=5)
    polling.cancel()
    await asyncio.gather(polling, return_exceptions=True)


@asynccontextmanager
async def started(settings: Settings, sandbox_state: Path | None = None) -> AsyncIterator[Running]:
    """Serve the API (and the sandbox without a token) and poll for updates until the block ends. With
    ``VICHE_API_URL`` the API is elsewhere: this process serves only the bot's webhook (and the sandbox).

    The server starts first and answers (/healthz, the API, the sandbox page) while the bot is imported and
    started; the block begins once both are up. In webhook mode the bot comes first: its route must be there
    before Telegram can reach the server. Stopping goes the other way: the database's duties, the bot, the
    long polls still open (answered now), then the server.

    ``sandbox_state``: the file where the sandbox's chats are kept between runs (sandbox/persistence.py);
    ``viche run`` keeps them beside the database, tests only when they ask."""
    from viche.production import install_webhook, prepare_polling, start_webhook, stop_webhook

    db = None if settings.api_url else Database(settings.database_url)
    api = _bot_front(settings) if db is None else create_app(settings, db, refresh_groups=False)  # in its duties
    base = f"http://{_reachable(settings.host)}:{settings.port}"
    sandbox = None
    saved = None
    if not settings.bot_token:
        from sandbox.fake_bot_api import FakeBotAPI
        from sandbox.persistence import SavedSandbox
        from sandbox.web import mount_sandbox
        from viche.sandbox_organisers import SandboxOrganisers

        sandbox = FakeBotAPI()
        organisers = SandboxOrganisers(db, settings) if db is not None else None
        mount_sandbox(api, sandbox, prefix=SANDBOX_PREFIX, organisers=organisers)
        if sandbox_state is not None:
            saved = SavedSandbox(sandbox, sandbox_state)
            saved.load()

    parts: _Bot | None = None
    webhook_url: str | None = None
    server: uvicorn.Server | None = None
    serving: asyncio.Task | None = None
    polling: asyncio.Task | None = None
    duties: DatabaseDuties | None = None
    try:
        if saved is not None:
            saved.start()
        if settings.webhook_url:
            parts = await _bot(settings, api, base)
            webhook_url = install_webhook(settings, api, parts.bot, parts.dispatcher, parts.backend)
            server, serving = await _serve(api, settings)
            await start_webhook(settings, parts.bot, parts.dispatcher, webhook_url)
        else:
            server, serving = await _serve(api, settings)
            parts = await _bot(settings, api, base)
            from bot.webhook import MAX_CONCURRENT_UPDATES

            await prepare_polling(parts.bot)
            polling = asyncio.create_task(
                parts.dispatcher.start_polling(
                    parts.bot, handle_signals=False, tasks_concurrency_limit=MAX_CONCURRENT_UPDATES
                )
            )
        if db is not None:  # this process owns the database
            duties = DatabaseDuties(settings, db, parts.bot)
            parts.dispatcher["delivery"] = duties  # /digest wakes the engine at once, when this process sends
        yield Running(base, api, parts.bot, parts.dispatcher, server, serving, sandbox)
    finally:
        if duties is not None:
            await duties.stop()
        if polling is not None:
            await _stop_polling(parts.dispatcher, polling)
        if sandbox is not None:
            await sandbox.close()  # the chat page's long polls are answered now, not cut by the server
        if saved is not None:
            await saved.stop()
        if server is not None:
            was_serving = server.started
            await _stop_serving(server, serving)  # webhook requests under way finish first
            if webhook_url and was_serving and parts is not None:
                # then the shutdown hooks (the last handled update ids are written)
                await stop_webhook(parts.bot, parts.dispatcher)
        if parts is not None:
            await parts.backend.close()
            await parts.bot.session.close()
        if db is not None:
            await db.dispose()


@dataclass
class RunningApi:
    """A started ``viche api``."""

    base_url: str
    api: FastAPI
    server: uvicorn.Server
    serving: asyncio.Task
    duties: DatabaseDuties


@asynccontextmanager
async def api_started(settings: Settings) -> AsyncIterator[RunningApi]:
    """Serve the API alone, for bots that run apart (``VICHE_API_URL``), with the database's duties: the
    housekeeping and, when ``VICHE_BOT_TOKEN`` is set, the delivery engine, which sends through the Bot API
    itself (it needs no dispatcher: the bot processes never see those messages)."""
    db = Database(settings.database_url)
    api = create_app(settings, db, refresh_groups=False)  # the opinion groups are one of its duties
    bot = None
    if settings.bot_token:
        await _import_bot()
        from bot.dispatcher import build_bot

        bot = build_bot(settings.bot_token, settings.telegram_api_url)
    server: uvicorn.Server | None = None
    duties: DatabaseDuties | None = None
    try:
        server, serving = await _serve(api, settings)
        duties = DatabaseDuties(settings, db, bot)
        yield RunningApi(f"http://{settings.host}:{settings.port}", api, server, serving, duties)
    finally:
        if duties is not None:
            await duties.stop()
        if server is not None:
            await _stop_serving(server, serving)
        if bot is not None:
            await bot.session.close()
        await db.dispose()


class _StopSignal:
    """SIGINT (Ctrl+C) and SIGTERM, as a service manager sends them: the first asks for an orderly stop; the
    second, or one during start-up, cancels at once."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.up = False
        self._task = asyncio.current_task()

    def __call__(self) -> None:
        if self.requested.is_set() or not self.up:
            self._task.cancel()
        self.requested.set()

    async def wait(self, serving: asyncio.Task) -> None:
        """Until a signal, or until the server stops by itself (its error, if any, is raised)."""
        self.up = True
        asked = asyncio.ensure_future(self.requested.wait())
        try:
            await asyncio.wait({serving, asked}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            asked.cancel()
        if serving.done():
            await serving


@asynccontextmanager
async def _stopped_by_signal() -> AsyncIterator[_StopSignal]:
    loop = asyncio.get_running_loop()
    stop = _StopSignal()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop)
    try:
        yield stop
    except asyncio.CancelledError:
        if not stop.requested.is_set():
            raise  # not ours
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)


async def run_api(settings: Settings) -> None:
    async with _stopped_by_signal() as stop, api_started(settings) as running:
        settle_after_start()
        sending = (
            "digests and invitations sent through the Bot API"
            if settings.bot_token
            else "no VICHE_BOT_TOKEN: digests and invitations wait unsent"
        )
        print(f"viche API is running at {running.base_url}/docs ({sending})", flush=True)
        await stop.wait(running.serving)


async def run(settings: Settings) -> None:
    from sandbox.persistence import state_path

    kept = None if settings.bot_token else state_path(None if settings.api_url else settings.database_url)
    async with _stopped_by_signal() as stop, started(settings, sandbox_state=kept) as running:
        settle_after_start()  # not in started(): tests start many in one process
        api_docs = f"{settings.api_url or running.base_url}/docs"
        if settings.bot_token:
            receiving = (
                f"webhook {settings.webhook_url}"
                if settings.webhook_url
                else f"polling {settings.telegram_api_url or 'Telegram'}"
            )
            print(f"viche is running: API at {api_docs}, bot {receiving}", flush=True)
        else:
            print(
                f"viche sandbox is running (no VICHE_BOT_TOKEN set).\n"
                f"  Chat with the bot: {running.base_url}/sandbox\n"
                f"  API docs:          {api_docs}",
                flush=True,
            )
        await stop.wait(running.serving)
