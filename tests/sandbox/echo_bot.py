"""The bot under test in the sandbox's own tests: a tiny echo bot on a real aiogram Dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import NamedTuple

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from sandbox import FakeBotAPI

TOKEN = "123456:sandbox-test-token"
USER = 5550001


def aiogram_bot(base_url: str) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


def echo_router() -> Router:
    """A tiny bot: deep links, echo with a keyboard, an edit on button press, documents, locations."""
    router = Router(name="echo")

    @router.message(CommandStart(deep_link=True))
    async def start_with_link(message: Message, command: CommandObject) -> None:
        await message.answer(f"start with {command.args}")

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(f"Hello, {message.from_user.first_name} ({message.from_user.language_code})")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Like", callback_data="like"),
                    InlineKeyboardButton(text="Site", url="https://example.org"),
                ]
            ]
        )
        await message.answer(f"echo: {message.text}", reply_markup=keyboard)

    @router.callback_query(F.data == "like")
    async def like(query: CallbackQuery) -> None:
        await query.message.edit_text(f"liked: {query.message.text}")
        await query.answer("Thanks!")

    @router.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        content = await bot.download(message.document.file_id)
        await message.answer(f"got {message.document.file_name}: {content.read().decode()}")

    @router.message(F.location)
    async def location(message: Message) -> None:
        await message.answer(f"you are at {message.location.latitude:.2f}, {message.location.longitude:.2f}")

    return router


@contextlib.asynccontextmanager
async def polling(bot: Bot, router: Router) -> AsyncIterator[Dispatcher]:
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    task = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        yield dispatcher
    finally:
        with contextlib.suppress(RuntimeError):  # polling may never have started
            await dispatcher.stop_polling()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class Site(NamedTuple):
    """A served app with the sandbox mounted, and the bot polling it."""

    base: str
    fake: FakeBotAPI
    bot: Bot
