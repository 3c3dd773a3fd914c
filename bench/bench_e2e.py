"""End to end: simulated citizens voting through the fake Bot API → aiogram (or python-telegram-bot) → backend →
PostgreSQL.

    python -m bench.bench_e2e --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
    python -m bench.bench_e2e --participants 200 --rate-seconds 10        # a quick run
    python -m bench.bench_e2e --framework aiogram,ptb                     # both frameworks, side by side

``--framework``: the bots under test run on aiogram (``viche run``'s bot), on python-telegram-bot (viche added to
an Application as the whole bot, viche.ptb), or both in turn in the same run; the echo bot is written for each.

The bot under test runs in a process of its own (the production code: ``build_dispatcher``, the API app with
its in-process backend, a PostgreSQL database made for the run), as it would beside Telegram. This process
plays Telegram: the fake Bot API over real HTTP, and the citizens. Each configuration runs in turn, in the
same run and on the same harness:

* ``viche``: every participant walks the demo consultation — /start, language, consent, one question, three
  proposals (a vote and its "why?" each), three pairs: 13 updates;
* ``echo``: a trivial aiogram bot on the same harness (a text gets "echo: …" with a button; the button is
  answered and the message edited), 13 updates per participant: the framework's ceiling. It gets the same two
  fixes to aiogram's costs as viche (``build_bot`` keeps the Bot API response models built; ``Is(F...)``
  filters stay on the event loop), and the garbage-collector settings of ``viche run``
  (``viche.gc_settings``), so that the ceiling is the framework at its best;

each in polling mode (getUpdates) and in webhook mode (the fake POSTs every update to the bot's webhook route,
which answers once the update is handled). Two phases per configuration:

1. throughput: all ``--participants`` citizens at once, each waiting for the bot's answer before the next
   step (closed loop); updates per second = updates / wall time of the phase;
2. latency at a fixed rate: updates sent at ``--rate``/s for ``--rate-seconds`` by fresh citizens (open
   loop); p50/p99 of the time from an update entering the fake's queue to the bot's first call answering it
   (the toast for a button, the message for a text).

Each row also gives the CPU per update of the throughput phase in the bot, in PostgreSQL (when it runs on
this machine) and in this process (the harness): on a small machine they share the same cores. This process's
garbage collector waits for the end of each phase, so that its pauses are not counted as the bot's latency.
Figures are printed as a table and, with ``--json``, as JSON. Bot logging is at WARNING for every
configuration (aiogram logs each update at INFO).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import SERVER  # noqa: E402 - after the path is set
from bench.machine import machine, speed_loop_ms  # noqa: E402

TOKEN = "1000001:bench-token"
SECRET = "bench-webhook-secret"
SERVICE_TOKEN = "bench-service-token"
STEPS = 13  # updates per participant, in both bots


# ---- the bot under test (a process of its own) ----------------------------------------------------------------


def echo_dispatcher():
    from aiogram import Dispatcher, F, Router
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

    from bot.handlers.filters import Is  # as viche's routers do: a bare F filter costs a thread hop per check

    router = Router(name="echo")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Like", callback_data="like")]])

    @router.message(Is(F.text))
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}", reply_markup=keyboard)

    @router.callback_query(Is(F.data == "like"))
    async def like(query: CallbackQuery) -> None:
        await query.answer("Thanks!")
        try:
            await query.message.edit_text(f"liked: {query.message.text}", reply_markup=keyboard)
        except TelegramBadRequest:  # pressed twice: "message is not modified"
            pass

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def serve_bot(kind: str, mode: str, telegram: str, database_url: str, port: int, api_url: str | None) -> None:
    import logging

    import uvicorn

    logging.basicConfig(level=logging.WARNING)
    from bot.dispatcher import build_bot

    bot = build_bot(TOKEN, telegram)
    app: Any
    if kind == "viche":
        from api.app import create_app
        from bot.backend import Backend
        from bot.dispatcher import build_dispatcher
        from bot.webhook import WebhookReceiver, mount_webhook
        from core.settings import Settings
        from storage.db import Database

        settings = Settings(database_url=database_url, service_token=SERVICE_TOKEN, _env_file=None)
        db = Database(database_url)
        app = create_app(settings, db)
        backend = Backend.remote(api_url, SERVICE_TOKEN) if api_url else Backend.in_process(app, SERVICE_TOKEN)
        dispatcher = build_dispatcher(backend, default_language="en")
        if mode == "webhook":
            mount_webhook(app, "/telegram/webhook", WebhookReceiver(dispatcher, bot, backend, SECRET))
    else:
        from aiogram.types import Update

        dispatcher = echo_dispatcher()
        app = FastAPI()

        @app.post("/telegram/webhook")
        async def webhook(request: Request) -> Response:  # the same contract, without the backend
            if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
                return Response(status_code=401)
            await dispatcher.feed_update(bot, Update.model_validate(await request.json(), context={"bot": bot}))
            return Response(status_code=200)

    from viche.gc_settings import settle_after_start

    settle_after_start()  # as viche.runner.run does; the echo bot gets it too, to stay the framework's ceiling
    if mode == "polling":
        print("READY", flush=True)
        from bot.webhook import MAX_CONCURRENT_UPDATES  # as viche.runner does

        await dispatcher.start_polling(
            bot,
            handle_signals=False,
            polling_timeout=10,
            tasks_concurrency_limit=MAX_CONCURRENT_UPDATES if kind == "viche" else None,
        )
        return
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher, bots=[bot], **dispatcher.workflow_data)
    await bot.set_webhook(
        f"http://127.0.0.1:{port}/telegram/webhook",
        secret_token=SECRET,
        max_connections=40,
        allowed_updates=dispatcher.resolve_used_update_types(),
    )
    print("READY", flush=True)
    await serving


def ptb_echo_application(telegram: str):
    """The echo bot on python-telegram-bot: the same contract as echo_dispatcher's."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.error import BadRequest
    from telegram.ext import CallbackQueryHandler, MessageHandler, filters

    from viche.ptb import build_application

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Like", callback_data="like")]])

    async def echo(update: Update, context: Any) -> None:
        await update.message.reply_text(f"echo: {update.message.text}", reply_markup=keyboard)

    async def like(update: Update, context: Any) -> None:
        query = update.callback_query
        await query.answer("Thanks!")
        try:
            await query.edit_message_text(f"liked: {query.message.text}", reply_markup=keyboard)
        except BadRequest:  # pressed twice: "message is not modified"
            pass

    from bot.webhook import MAX_CONCURRENT_UPDATES

    application = build_application(TOKEN, telegram, concurrent_updates=MAX_CONCURRENT_UPDATES)
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(like, pattern="^like$"))
    return application


async def serve_ptb_bot(kind: str, mode: str, telegram: str, database_url: str, port: int, api_url: str | None) -> None:
    """The bot under test on python-telegram-bot; updates handled MAX_CONCURRENT_UPDATES at once, as aiogram's are
    by ``viche run`` (PTB's default is one at a time)."""
    import logging

    import uvicorn
    from telegram import Update

    logging.basicConfig(level=logging.WARNING)
    app: Any
    receiver: Any = None
    if kind == "viche":
        from api.app import create_app
        from bot.backend import Backend
        from bot.webhook import MAX_CONCURRENT_UPDATES
        from core.settings import Settings
        from storage.db import Database
        from viche.ptb import add_viche, build_application

        settings = Settings(database_url=database_url, service_token=SERVICE_TOKEN, _env_file=None)
        db = Database(database_url)
        app = create_app(settings, db)
        backend = Backend.remote(api_url, SERVICE_TOKEN) if api_url else Backend.in_process(app, SERVICE_TOKEN)
        application = build_application(TOKEN, telegram, concurrent_updates=MAX_CONCURRENT_UPDATES)
        viche = add_viche(application, backend, default_language="en", standalone=True)
        await application.initialize()
        await viche.publish_menus(application.bot)
        if mode == "webhook":
            from bot.adapter.webhook import mount_webhook
            from viche.ptb.webhook import PtbWebhook

            receiver = PtbWebhook(application, viche, backend, SECRET)
            mount_webhook(app, "/telegram/webhook", receiver)
    else:
        application = ptb_echo_application(telegram)
        await application.initialize()
        app = FastAPI()

        @app.post("/telegram/webhook")
        async def webhook(request: Request) -> Response:  # the same contract, without the backend
            if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
                return Response(status_code=401)
            await application.process_update(Update.de_json(await request.json(), application.bot))
            return Response(status_code=200)

    from viche.gc_settings import settle_after_start

    settle_after_start()
    await application.start()
    if mode == "polling":
        await application.updater.start_polling(
            poll_interval=0, timeout=10, allowed_updates=["message", "callback_query"]
        )
        print("READY", flush=True)
        await asyncio.Event().wait()
        return
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    if receiver is not None:
        await receiver.register(url)
    else:
        await application.bot.set_webhook(
            url, secret_token=SECRET, max_connections=40, allowed_updates=["message", "callback_query"]
        )
    print("READY", flush=True)
    await serving


# ---- Telegram's side: the fake Bot API, instrumented, and the citizens ------------------------------------------


def instrumented_fake():
    from sandbox.fake_bot_api import FakeBotAPI

    class TimedFake(FakeBotAPI):
        """Wakes the citizen of a chat on each call the bot makes to it."""

        def __init__(self) -> None:
            super().__init__(token=None)
            self.query_chat: dict[str, int] = {}
            self.waiters: dict[int, list[asyncio.Future]] = defaultdict(list)

        async def call(self, method: str, fields: dict[str, Any], files: Any = None) -> Any:
            result = await super().call(method, fields, files)
            name = method.lower()
            if name == "getupdates":
                return result
            chat = fields.get("chat_id")
            if name == "answercallbackquery":
                chat = self.query_chat.pop(str(fields.get("callback_query_id")), None)
            if chat is not None:
                now = time.perf_counter()
                for waiter in self.waiters.pop(int(chat), []):
                    if not waiter.done():
                        waiter.set_result(now)
            return result

        async def next_call(self, chat: int, timeout: float = 60) -> float:
            waiter = asyncio.get_running_loop().create_future()
            self.waiters[chat].append(waiter)
            return await asyncio.wait_for(waiter, timeout)

    return TimedFake()


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)  # seconds, update → first reply
    updates: int = 0
    failures: int = 0


class Citizen:
    """One participant: sends an update, waits for the bot's answer to it, and goes on."""

    def __init__(self, fake: Any, chat: int, kind: str, samples: Samples) -> None:
        self.fake, self.chat, self.kind, self.samples = fake, chat, kind, samples
        self.step = 0

    @property
    def done(self) -> bool:
        return self.step >= STEPS

    async def act(self) -> None:
        """The next step, timed from the moment the update is queued for the bot."""
        fake = self.fake
        pressed: dict[str, Any] | None = None
        if self.step == 0 or (self.kind == "echo" and self.step % 2 == 0) or not self._has_buttons():
            text = "/start" if self.kind == "viche" else f"hello {self.step}"
            waiting = asyncio.ensure_future(fake.next_call(self.chat))
            started = time.perf_counter()
            await fake.send_text(self.chat, text, language_code="en")
        else:
            pressed = self._button()
            waiting = asyncio.ensure_future(fake.next_call(self.chat))
            started = time.perf_counter()
            query = fake.press_button(self.chat, pressed["message_id"], pressed["data"])
            fake.query_chat[(await query)["id"]] = self.chat
        self.step += 1
        self.samples.updates += 1
        try:
            first = await waiting
        except TimeoutError:
            self.samples.failures += 1
            return
        self.samples.latencies.append(first - started)
        await self._until_ready(pressed)

    def _has_buttons(self) -> bool:
        messages = self.fake.messages(self.chat)
        return bool(messages and messages[-1]["buttons"])

    def _button(self) -> dict[str, Any]:
        messages = self.fake.messages(self.chat)
        newest = messages[-1]
        buttons = [b for row in newest["buttons"] for b in row if "callback_data" in b]
        if self.kind == "viche" and self.step == 1:
            button = next(b for b in buttons if b["text"].endswith("English"))
        else:
            button = buttons[0]
        return {
            "message_id": newest["message_id"],
            "data": button["callback_data"],
            "keyboard": tuple(b["callback_data"] for b in buttons),
        }

    def _ready(self, pressed: dict[str, Any] | None) -> bool:
        messages = self.fake.messages(self.chat)
        if not messages:
            return False
        newest = messages[-1]
        if self.kind == "echo":
            if pressed is None:
                return bool(newest["buttons"])
            return any(a["message_id"] == pressed["message_id"] for a in self.fake.callback_answers(self.chat)[-1:])
        if (newest["text"] or "").startswith("Thank you"):
            return True
        keyboard = tuple(b.get("callback_data") for row in newest["buttons"] for b in row)
        if not keyboard:
            return False
        return pressed is None or newest["message_id"] != pressed["message_id"] or keyboard != pressed["keyboard"]

    async def _until_ready(self, pressed: dict[str, Any] | None) -> None:
        """The rest of the bot's answer (an edit, the next question) before the citizen acts again."""
        deadline = time.monotonic() + 60
        while not self._ready(pressed):
            if time.monotonic() > deadline:
                self.samples.failures += 1
                return
            try:
                await self.fake.next_call(self.chat, timeout=5)
            except TimeoutError:
                pass


async def throughput(fake: Any, kind: str, chats: range) -> tuple[Samples, float]:
    samples = Samples()

    async def run(chat: int) -> None:
        citizen = Citizen(fake, chat, kind, samples)
        while not citizen.done:
            await citizen.act()

    started = time.perf_counter()
    await asyncio.gather(*(run(chat) for chat in chats))
    return samples, time.perf_counter() - started


async def fixed_rate(fake: Any, kind: str, first_chat: int, rate: float, seconds: float) -> Samples:
    samples = Samples()
    idle: list[Citizen] = []
    running: set[asyncio.Task] = set()
    next_chat = first_chat

    async def step(citizen: Citizen) -> None:
        await citizen.act()
        if not citizen.done:
            idle.append(citizen)

    started = time.perf_counter()
    total = int(rate * seconds)
    for n in range(total):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if idle:
            citizen = idle.pop(0)
        else:
            citizen = Citizen(fake, next_chat, kind, samples)
            next_chat += 1
        task = asyncio.create_task(step(citizen))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
    return samples


@contextlib.contextmanager
def harness_collector_paused() -> Iterator[None]:
    """This process is the measuring instrument: with the fake's state of thousands of chats its own full
    garbage collections took ~130 ms, and every update waiting on the fake meanwhile counted them as the
    bot's latency. Its collector waits for the end of each phase (as ``timeit`` does)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def run_configuration(
    kind: str,
    mode: str,
    database_url: str,
    participants: int,
    rate: float,
    rate_seconds: float,
    chat_base: int,
    api_workers: int = 0,
    framework: str = "aiogram",
) -> dict[str, Any]:
    from sandbox.server import serve

    fake = instrumented_fake()
    sessions_before = await database_sessions(database_url)
    async with serve(fake.app) as telegram:
        port = _free_port()
        api = start_api(database_url, api_workers) if kind == "viche" and api_workers else None
        processes = [api[0]] if api else []
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.bench_e2e",
                "--serve",
                kind,
                mode,
                telegram,
                database_url,
                str(port),
                api[1] if api else "-",
                framework,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        try:
            if api:
                await asyncio.to_thread(_wait_http, api[1] + "/healthz")
            await asyncio.wait_for(asyncio.to_thread(_wait_ready, process), timeout=120)
            await asyncio.sleep(1)  # startup calls (commands, webhook) settle
            bot_before = _cpu_seconds(process.pid)
            postgres_before, harness_before = _postgres_cpu_seconds(), time.process_time()
            with harness_collector_paused():
                samples, wall = await throughput(fake, kind, range(chat_base, chat_base + participants))
            cpu_bot = _cpu_seconds(process.pid)
            harness = round(time.process_time() - harness_before, 1)
            postgres_after = _postgres_cpu_seconds()
            postgres = (
                round(postgres_after - postgres_before, 1)
                if postgres_after is not None and postgres_before is not None
                else None
            )
            cpu_api = round(sum(_cpu_seconds(pid) for pid in _children(api[0].pid)), 1) if api else 0.0
            with harness_collector_paused():
                rated = await fixed_rate(fake, kind, chat_base + participants + 1, rate, rate_seconds)
            peak = _peak_rss_mib(process.pid)
        finally:
            for child in reversed(processes):
                child.terminate()
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
            await fake.close()
    opened = await database_sessions(database_url) - sessions_before
    return {
        "bot": kind,
        "framework": framework,
        "mode": mode,
        "participants": participants,
        "updates": samples.updates,
        "seconds": round(wall, 2),
        "updates_per_second": round(samples.updates / wall, 1),
        "p50_ms": round(percentile(samples.latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(samples.latencies, 99) * 1000, 1),
        "failures": samples.failures + rated.failures,
        "bot_cpu_seconds": cpu_bot,
        "bot_phase_cpu_seconds": round(cpu_bot - bot_before, 1),
        "postgres_cpu_seconds": postgres,
        "harness_cpu_seconds": harness,
        "api_workers": api_workers,
        "api_cpu_seconds": cpu_api,
        "rate": rate,
        "rate_updates": rated.updates,
        "rate_p50_ms": round(percentile(rated.latencies, 50) * 1000, 1),
        "rate_p99_ms": round(percentile(rated.latencies, 99) * 1000, 1),
        "bot_peak_rss_mib": peak,
        "database_connections_opened": opened,
    }


def start_api(database_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    """The API apart from the bot (``viche api --workers N``), as a production deployment may run it."""
    port = _free_port()
    env = {**os.environ, "VICHE_DATABASE_URL": database_url, "VICHE_SERVICE_TOKEN": SERVICE_TOKEN}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    return process, f"http://127.0.0.1:{port}"


def _wait_http(url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _children(pid: int) -> list[int]:
    """``pid`` and its child processes (uvicorn's workers)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = Path(f"/proc/{pid}/task/{task.name}/children")
        if children.exists():
            found += [int(c) for c in children.read_text().split()]
    return found


def _wait_ready(process: subprocess.Popen) -> None:
    for line in process.stdout:
        if line.strip() == "READY":
            return
    raise RuntimeError(f"the bot process exited ({process.wait()}) before it was ready")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc_stat(pid: int | str) -> tuple[str, list[str]]:
    """A process's name and the fields of /proc/PID/stat after it (index 1: parent, 11-14: CPU ticks)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1].split()


def _cpu_seconds(pid: int) -> float:
    fields = _proc_stat(pid)[1]
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


def _postgres_cpu_seconds() -> float | None:
    """CPU time of the local PostgreSQL server so far (None if it is not on this machine): the postmaster's,
    its live children's, and its exited children's (a closed connection's backend is reaped by the
    postmaster, whose ``cutime``/``cstime`` then include it)."""
    tick = os.sysconf("SC_CLK_TCK")
    processes: dict[int, tuple[int, list[str]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, rest = _proc_stat(entry.name)
        except OSError:  # gone meanwhile
            continue
        if name == "postgres":
            processes[int(entry.name)] = (int(rest[1]), rest)
    postmasters = [pid for pid, (parent, _) in processes.items() if parent not in processes]
    if len(postmasters) != 1:
        return None
    total = sum(int(fields[11]) + int(fields[12]) for _, fields in processes.values())
    fields = processes[postmasters[0]][1]
    return (total + int(fields[13]) + int(fields[14])) / tick


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


# ---- the database of the run ---------------------------------------------------------------------------------


async def database_sessions(url: str) -> int:
    """Connections ever opened to the run's database (PostgreSQL's own count): a pool that keeps too few opens
    and closes connections all the time under load, each a connect, an authentication and set-up queries."""
    from sqlalchemy import make_url, text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    target = make_url(url)
    engine = create_async_engine(target.set(database="postgres"), poolclass=NullPool)  # not counted itself
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_stat_clear_snapshot()"))
            return int(
                await conn.scalar(
                    text("SELECT coalesce(sum(sessions), 0) FROM pg_stat_database WHERE datname = :name"),
                    {"name": target.database},
                )
                or 0
            )
    finally:
        await engine.dispose()


async def load_demo(url: str) -> None:
    from storage.db import Database
    from viche.loading import load_demo as load

    db = Database(url)
    try:
        await load(db, only_if_empty=False)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=SERVER,
        help="a PostgreSQL server; the run creates (and leaves) the database viche_bench_e2e there",
    )
    parser.add_argument(
        "--database-name", default="viche_bench_e2e", help="the database the run makes (dropped first if there)"
    )
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="updates per second of the latency phase")
    parser.add_argument("--rate-seconds", type=float, default=30.0)
    parser.add_argument("--only", choices=["viche", "echo"], help="run one bot only")
    parser.add_argument("--modes", default="polling,webhook")
    parser.add_argument(
        "--framework",
        default="aiogram",
        help="aiogram, ptb (python-telegram-bot, viche.ptb) or both in turn: aiogram,ptb",
    )
    parser.add_argument(
        "--api-workers",
        type=int,
        default=0,
        help="run viche's API apart, in this many worker processes (0: in the bot's process)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--serve",
        nargs=7,
        metavar=("BOT", "MODE", "TELEGRAM", "DATABASE", "PORT", "API", "FRAMEWORK"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.serve:
        kind, mode, telegram, database, port, api_url, framework = args.serve
        profile = os.environ.get("VICHE_BENCH_PROFILE")  # a file: cProfile the bot process into it
        if profile:
            import cProfile
            import signal

            profiler = cProfile.Profile(time.process_time)  # CPU time: waiting for a CPU is not the bot's cost

            def dump(*_: Any) -> None:
                profiler.disable()
                profiler.dump_stats(f"{profile}.{kind}.{framework}.{mode}")
                os._exit(0)

            signal.signal(signal.SIGTERM, dump)
            profiler.enable()
        serve = serve_ptb_bot if framework == "ptb" else serve_bot
        asyncio.run(serve(kind, mode, telegram, database, int(port), None if api_url == "-" else api_url))
        return 0

    from bench.databases import fresh_database
    from storage.migrate import upgrade

    url = asyncio.run(fresh_database(args.database_url, args.database_name))
    upgrade(url)
    asyncio.run(load_demo(url))
    results = []
    base = 10_000_000
    for mode in args.modes.split(","):
        for framework in args.framework.split(","):
            for kind in [args.only] if args.only else ["echo", "viche"]:
                result = asyncio.run(
                    run_configuration(
                        kind,
                        mode,
                        url,
                        args.participants,
                        args.rate,
                        args.rate_seconds,
                        base,
                        args.api_workers,
                        framework,
                    )
                )
                base += 1_000_000
                results.append(result)
                print(_row(result), flush=True)
    summary = _summary(results)
    for line in summary:
        print(line)
    print(f"machine speed: {speed_loop_ms()} ms for the fixed loop (lower is faster)")
    if args.json:
        print(json.dumps({"results": results, "machine": machine()}, indent=2))
    return 0


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['bot']:>5} {r.get('framework', 'aiogram'):>7} {r['mode']:>7}: {r['updates']} updates from "
        f"{r['participants']} participants in "
        f"{r['seconds']} s = {r['updates_per_second']} updates/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms "
        f"(closed loop); at {r['rate']:.0f}/s: p50 {r['rate_p50_ms']} ms, p99 {r['rate_p99_ms']} ms; "
        f"bot CPU {r['bot_cpu_seconds']} s"
        + (f" + API CPU {r['api_cpu_seconds']} s ({r['api_workers']} workers)" if r.get("api_workers") else "")
        + f"; throughput phase CPU per update: {_per_update(r, 'bot_phase_cpu_seconds')} bot"
        + (
            f", {_per_update(r, 'postgres_cpu_seconds')} PostgreSQL"
            if r.get("postgres_cpu_seconds") is not None
            else ""
        )
        + f", {_per_update(r, 'harness_cpu_seconds')} harness (fake Bot API and citizens)"
        + f", peak RSS {r['bot_peak_rss_mib']} MiB; database connections opened "
        f"{r['database_connections_opened']}; failures {r['failures']}"
    )


def _per_update(r: dict[str, Any], key: str) -> str:
    return f"{r[key] / r['updates'] * 1000:.2f} ms"


def _cpu_per_update(r: dict[str, Any]) -> float:
    return r["bot_phase_cpu_seconds"] / r["updates"]


def _summary(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    by = {(r["bot"], r.get("framework", "aiogram"), r["mode"]): r for r in results}
    for mode in ("polling", "webhook"):
        for framework in ("aiogram", "ptb"):
            ours, echo = by.get(("viche", framework, mode)), by.get(("echo", framework, mode))
            if ours and echo:
                share = ours["updates_per_second"] / echo["updates_per_second"] * 100
                ratio = _cpu_per_update(ours) / _cpu_per_update(echo)
                lines.append(
                    f"{mode} on {framework}: viche's bot CPU per update is {ratio:.1f}× the echo bot's (target ≤ 2×), "
                    f"its throughput {share:.0f} % of the echo bot's; p99 at {ours['rate']:.0f} updates/s: "
                    f"{ours['rate_p99_ms']} ms (target < 100 ms)"
                )
        aiogram, ptb = by.get(("viche", "aiogram", mode)), by.get(("viche", "ptb", mode))
        if aiogram and ptb:
            lines.append(
                f"{mode}: viche on python-telegram-bot {ptb['updates_per_second']} updates/s, "
                f"{_per_update(ptb, 'bot_phase_cpu_seconds')} bot CPU per update; on aiogram "
                f"{aiogram['updates_per_second']} updates/s, {_per_update(aiogram, 'bot_phase_cpu_seconds')}"
            )
    return lines


if __name__ == "__main__":
    sys.exit(main())
