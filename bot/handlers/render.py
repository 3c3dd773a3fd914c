"""Turning a flow's Reply into aiogram's Bot API calls: :func:`answer` is the one road from a flow to Telegram,
and :func:`replying` makes the handler that only asks a flow and answers with its reply. The order and the rules
(toast first, edits by chat and message id, Telegram's limits) are bot/adapter/render.py's, shared with
python-telegram-bot; here only aiogram's side of :class:`~bot.adapter.render.BotCalls`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)

from bot.adapter.lean import LeanCalls
from bot.adapter.render import MAX_TEXT, BotCalls, PressOrigin, Refused, answer_press, caption, fit, send_reply
from bot.delivery.transport import BotApi
from bot.flows.person import Person
from bot.flows.screens import Button, Reply, Screen


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    """The inline buttons of a screen (what an edit can carry)."""
    if not screen.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[_button(button) for button in row] for row in screen.buttons])


def _button(button: Button) -> InlineKeyboardButton:
    if button.url and button.web_app:
        return InlineKeyboardButton(text=button.text, web_app=WebAppInfo(url=button.url))
    if button.url:
        return InlineKeyboardButton(text=button.text, url=button.url)
    return InlineKeyboardButton(text=button.text, callback_data=button.data)


def message_keyboard(screen: Screen) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    """A sent message's keyboard: the contact button (a custom keyboard), or taking it away, or inline buttons."""
    if screen.contact_button is not None:
        return ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=screen.contact_button, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if screen.remove_keyboard and not screen.buttons:
        return ReplyKeyboardRemove()
    return keyboard(screen)


class AiogramCalls:
    """:class:`bot.adapter.render.BotCalls` with aiogram's Bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, screen: Screen) -> None:
        markup = message_keyboard(screen)
        if screen.venue is not None:
            place = screen.venue
            await self.bot.send_venue(chat_id, place.latitude, place.longitude, place.title, place.address)
        elif screen.photo is not None:
            photo = BufferedInputFile(screen.photo, "chart.png")
            await self.bot.send_photo(chat_id, photo, caption=caption(screen), reply_markup=markup)
        elif screen.document is not None:
            name, content = screen.document
            document = BufferedInputFile(content, name)
            await self.bot.send_document(chat_id, document, caption=caption(screen), reply_markup=markup)
        else:
            await self.bot.send_message(chat_id, fit(screen.text, MAX_TEXT), reply_markup=markup)

    async def answer_query(self, query_id: str, text: str | None, alert: bool) -> None:
        try:
            await self.bot.answer_callback_query(query_id, text=text, show_alert=alert)
        except TelegramBadRequest as error:
            raise Refused(str(error)) from error

    async def edit_markup(self, chat_id: int, message_id: int, screen: Screen) -> None:
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=keyboard(screen)
            )
        except TelegramBadRequest as error:
            raise Refused(str(error)) from error

    async def edit_text(self, chat_id: int, message_id: int, screen: Screen) -> None:
        try:
            await self.bot.edit_message_text(
                fit(screen.text, MAX_TEXT), chat_id=chat_id, message_id=message_id, reply_markup=keyboard(screen)
            )
        except TelegramBadRequest as error:
            raise Refused(str(error)) from error


def bot_calls(bot: Bot) -> BotCalls:
    """A reply's calls: texts, toasts and edits as lean JSON calls over the Bot's own aiohttp session
    (bot/adapter/lean.py), uploads and venues through aiogram. Their errors are the transport's
    (bot.delivery.transport.BotApiError), not aiogram's."""
    return LeanCalls(BotApi.sharing_bot(bot), AiogramCalls(bot))


async def send_screen(bot: Bot, chat_id: int, screen: Screen) -> None:
    await AiogramCalls(bot).send(chat_id, screen)


async def answer(event: Message | CallbackQuery, reply: Reply) -> None:
    """Answer a message in its chat; answer a button press (its toast), edit the message under the button, and
    send the reply's messages in that chat."""
    calls = bot_calls(event.bot)
    if isinstance(event, CallbackQuery):
        message = event.message  # a Message, or an InaccessibleMessage (date 0: no text, no keyboard), or None
        origin = PressOrigin(event.id, message.chat.id if message else None, message.message_id if message else None)
        await answer_press(calls, origin, reply)
    else:
        await send_reply(calls, event.chat.id, reply)


FlowMethod = Callable[..., Awaitable[Reply]]
Answer = Callable[[Message | CallbackQuery, Reply], Awaitable[None]]


def replying(
    flow: str, method: FlowMethod, *, args: bool = False, send: Answer = answer
) -> Callable[..., Awaitable[None]]:
    """A handler that asks ``method`` of the flow kept in handler data under ``flow`` for its reply to the
    person (with the command's arguments when ``args``: ``/stats city-budget``), and ``send``-s it. The method
    is looked up on that flow object, as a handler calling ``flow.method(...)`` would."""
    name = method.__name__

    async def handler(
        event: Message | CallbackQuery, person: Person, command: CommandObject | None = None, **data: Any
    ) -> None:
        given = (command.args if command is not None else None,) if args else ()
        await send(event, await getattr(data[flow], name)(person, *given))

    handler.__name__ = handler.__qualname__ = f"on_{name}"
    return handler
