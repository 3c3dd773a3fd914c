"""A running bot for tests: the real aiogram Dispatcher and Bot — or the real python-telegram-bot Application
with viche added (viche.ptb), ``framework="ptb"`` — long-polling the fake Bot API server over real HTTP on an
ephemeral port, recording through the real API app into the real database.

The end-to-end suites take the ``framework`` fixture (tests/conftest.py) and run once per framework, with the
same expected texts and rows: one suite, two front ends."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.backend import Backend
from bot.dispatcher import build_bot, build_dispatcher
from sandbox.fake_bot_api import FakeBotAPI
from sandbox.server import serve

BOT_TOKEN = "1000001:test-token"


class UpdateCounter:
    """Counts updates the dispatcher has finished handling, so tests wait for the bot, not for a guess."""

    def __init__(self) -> None:
        self.done = 0

    async def __call__(self, handler, event, data):
        try:
            return await handler(event, data)
        finally:
            self.done += 1


class Telegram:
    """What a citizen's Telegram app does: type, tap buttons, share a location, read the bot's messages."""

    def __init__(self, fake: FakeBotAPI, dispatcher: Any, counter: UpdateCounter, namespace: str = "") -> None:
        self.fake = fake
        self.dispatcher = dispatcher  # aiogram's Dispatcher, or PTB's Application
        self.counter = counter
        self.expected = 0
        self.namespace = namespace  # the mark on the bot's button data (viche.ptb's; none for aiogram's bot)

    @property
    def participant_flow(self) -> Any:
        """The participant flow the bot answers with (to slow it down or break it in a test), in either framework."""
        if self.namespace:  # viche in a python-telegram-bot Application: its one handler, in its group
            [handler] = self.dispatcher.handlers[-1]
            return handler.conversation.flows.participant
        return self.dispatcher["participant_flow"]

    def data(self, data: str) -> str:
        """Callback data as a button of this bot would carry ``data``, to forge presses with."""
        return self.namespace + data

    async def settle(self, timeout: float = 15) -> None:
        """Wait until every update sent so far has been handled and the bot's last calls have landed."""
        self.expected += 1
        deadline = asyncio.get_running_loop().time() + timeout
        while self.counter.done < self.expected:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the bot handled {self.counter.done} of {self.expected} updates")
            await asyncio.sleep(0.01)
        await self.fake.wait_until_idle(timeout=timeout, quiet=0.02)

    async def send(self, chat_id: int, text: str, language_code: str = "en") -> None:
        await self.fake.send_text(chat_id, text, language_code=language_code, first_name=f"User{chat_id}")
        await self.settle()

    async def share_location(self, chat_id: int, latitude: float, longitude: float) -> None:
        await self.fake.send_location(chat_id, latitude, longitude)
        await self.settle()

    async def share_contact(self, chat_id: int, phone: str, user_id: int | None) -> None:
        """Share a contact: one's own (``user_id`` = ``chat_id``, as the request_contact button does) or another's."""
        await self.fake.send_contact(chat_id, phone, user_id=user_id)
        await self.settle()

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return self.fake.messages(chat_id)

    def last(self, chat_id: int) -> dict[str, Any]:
        return self.messages(chat_id)[-1]

    def texts(self, chat_id: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.messages(chat_id)]

    def buttons(self, chat_id: int, message: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        message = message or self.last_with_buttons(chat_id)
        return [button for row in message.get("buttons") or [] for button in row]

    def last_with_buttons(self, chat_id: int) -> dict[str, Any]:
        for message in reversed(self.messages(chat_id)):
            if message.get("buttons"):
                return message
        raise AssertionError(f"no message with buttons in chat {chat_id}: {self.texts(chat_id)}")

    async def press(
        self,
        chat_id: int,
        label: str | None = None,
        *,
        index: int | None = None,
        message: dict[str, Any] | None = None,
        shape: str = "message",
    ) -> dict[str, Any]:
        """Tap the button whose label contains ``label`` (or the ``index``-th) under the latest keyboard.

        ``shape``: how the callback query carries the message, as Telegram may send it: "message" (whole),
        "without_keyboard" (a compatible Bot API server that leaves out reply_markup) or "inaccessible"
        (older than 48 hours: an InaccessibleMessage, only chat, message_id and date 0)."""
        message = message or self.last_with_buttons(chat_id)
        buttons = self.buttons(chat_id, message)
        if label is not None:
            matches = [b for b in buttons if label in b["text"]]
            assert matches, f"no button {label!r} in {[b['text'] for b in buttons]}"
            button = matches[0]
        else:
            button = buttons[index or 0]
        if shape == "message":
            await self.fake.press_button(chat_id, message["message_id"], button["callback_data"])
        else:
            self.deliver_press(chat_id, message["message_id"], button["callback_data"], shape)
        await self.settle()
        return button

    def deliver_press(self, chat_id: int, message_id: int, data: str, shape: str) -> dict[str, Any]:
        """A callback query whose ``message`` is shaped as the Bot API documents it for old messages or for
        servers that leave the keyboard out (the fake's press_button always sends the whole message)."""
        stored = self.fake.chats.get(chat_id).messages[message_id].message
        if shape == "inaccessible":
            seen = {"chat": stored["chat"], "message_id": message_id, "date": 0}
        elif shape == "without_keyboard":
            seen = {key: value for key, value in stored.items() if key != "reply_markup"}
        else:
            raise ValueError(shape)
        query_id = str(secrets.randbits(63))
        self.fake.open_callback_queries[query_id] = {"chat_id": chat_id, "message_id": message_id}
        return self.fake._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.fake._user(chat_id),
                    "message": seen,
                    "chat_instance": str(chat_id * 7919 % 10**12),
                    "data": data,
                }
            }
        )["callback_query"]


FRAMEWORKS = ("aiogram", "ptb")
every_framework = pytest.mark.parametrize("framework", FRAMEWORKS, indirect=True)
"""A suite's ``pytestmark``: each test, through the ``framework`` fixture (tests/conftest.py), once per framework."""


@asynccontextmanager
async def running_bot(
    api_app: Any,
    service_token: str,
    *,
    default_language: str = "uk",
    settings: Any = None,
    remote_api: str | None = None,
    fake: FakeBotAPI | None = None,
    concurrency: int | None = None,
    framework: str = "aiogram",
) -> AsyncIterator[Telegram]:
    """``remote_api``: reach the backend over real HTTP at that URL, as a bot running apart does. ``fake``: a
    fake Bot API of the test's own; ``concurrency``: updates handled at once (``viche run``'s limit; default
    unlimited, aiogram's own; PTB handles one at a time unless told otherwise). ``framework``: "aiogram" (the
    bot of ``viche run``) or "ptb" (viche added to a python-telegram-bot Application, as the whole bot)."""
    fake = fake or FakeBotAPI()
    async with serve(fake.app) as base_url:
        backend = (
            Backend.remote(remote_api, service_token) if remote_api else Backend.in_process(api_app, service_token)
        )
        runner = _ptb if framework == "ptb" else _aiogram
        try:
            async with runner(fake, base_url, backend, default_language, concurrency) as telegram:
                yield telegram
        finally:
            await backend.close()
            await fake.close()


@asynccontextmanager
async def _aiogram(
    fake: FakeBotAPI, base_url: str, backend: Backend, default_language: str, concurrency: int | None
) -> AsyncIterator[Telegram]:
    bot = build_bot(BOT_TOKEN, base_url)
    dispatcher = build_dispatcher(backend, default_language=default_language)
    counter = UpdateCounter()
    dispatcher.update.outer_middleware(counter)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1, tasks_concurrency_limit=concurrency)
    )
    try:
        yield Telegram(fake, dispatcher, counter)
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await bot.session.close()


@asynccontextmanager
async def _ptb(
    fake: FakeBotAPI, base_url: str, backend: Backend, default_language: str, concurrency: int | None
) -> AsyncIterator[Telegram]:
    from viche.ptb import add_viche, build_application

    application = build_application(BOT_TOKEN, base_url, concurrent_updates=concurrency or 1)
    viche = add_viche(application, backend, default_language=default_language, standalone=True)
    async with polling_application(fake, application, viche) as telegram:
        yield telegram


@asynccontextmanager
async def polling_application(
    fake: FakeBotAPI, application: Any, viche: Any, *, menus: bool = True, allowed_updates: list[str] | None = None
) -> AsyncIterator[Telegram]:
    """A python-telegram-bot Application (viche added to it as ``viche``) long-polling the fake, with viche's
    menus published at start when it is the whole bot (``menus``); every update it finishes is counted for
    ``settle``."""
    counter = UpdateCounter()
    process_update = application.process_update

    async def counted(update: object) -> None:
        try:
            await process_update(update)
        finally:
            counter.done += 1

    application.process_update = counted
    await application.initialize()
    if menus:
        await viche.publish_menus(application.bot)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=1, allowed_updates=allowed_updates or ["message", "callback_query"]
    )
    try:
        yield Telegram(fake, application, counter, namespace=viche.handler.namespace.prefix)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
