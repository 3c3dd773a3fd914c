"""Turning a flow's Reply into Bot API calls: :func:`answer` is the one road from a flow to Telegram, and
:func:`replying` makes the handler that only asks a flow and answers with its reply."""

from __future__ import annotations

import logging
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
    Message,
    WebAppInfo,
)

from bot.flows.person import Person
from bot.flows.screens import Button, Reply, Screen

log = logging.getLogger(__name__)

# Telegram's limits, in UTF-16 code units: longer texts are refused outright, so cut them instead.
MAX_TEXT, MAX_CAPTION, MAX_TOAST = 4096, 1024, 200


def fit(text: str | None, limit: int) -> str | None:
    """``text`` cut to Telegram's ``limit`` with an ellipsis (a quoted 10 000-character proposal must not
    make the whole reply fail)."""
    if text is None or len(text) <= limit // 2 or len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    cut = text.encode("utf-16-le")[: (limit - 1) * 2].decode("utf-16-le", errors="ignore")
    return cut + "…"


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[_button(button) for button in row] for row in screen.buttons])


def _button(button: Button) -> InlineKeyboardButton:
    if button.url and button.web_app:
        return InlineKeyboardButton(text=button.text, web_app=WebAppInfo(url=button.url))
    if button.url:
        return InlineKeyboardButton(text=button.text, url=button.url)
    return InlineKeyboardButton(text=button.text, callback_data=button.data)


async def send_screen(bot: Bot, chat_id: int, screen: Screen) -> None:
    markup = keyboard(screen)
    if screen.photo is not None:
        await bot.send_photo(
            chat_id,
            BufferedInputFile(screen.photo, "chart.png"),
            caption=fit(screen.text, MAX_CAPTION) or None,
            reply_markup=markup,
        )
    elif screen.document is not None:
        name, content = screen.document
        await bot.send_document(
            chat_id,
            BufferedInputFile(content, name),
            caption=fit(screen.text, MAX_CAPTION) or None,
            reply_markup=markup,
        )
    else:
        await bot.send_message(chat_id, fit(screen.text, MAX_TEXT), reply_markup=markup)


async def answer(event: Message | CallbackQuery, reply: Reply) -> None:
    """Answer a message in its chat; answer a button press (its toast), edit the message under the button, and
    send the reply's messages in that chat."""
    if isinstance(event, CallbackQuery):
        await _answer_press(event, reply)
    else:
        await _send(event.bot, event.chat.id, reply)


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


async def _send(bot: Bot, chat_id: int, reply: Reply) -> None:
    for screen in reply.messages:
        await send_screen(bot, chat_id, screen)


async def _answer_press(query: CallbackQuery, reply: Reply) -> None:
    """Answer the query first (the spinner on the button stops), then edit and send."""
    try:
        await query.answer(fit(reply.toast, MAX_TOAST), show_alert=reply.alert)
    except TelegramBadRequest as error:
        # Answered already: Telegram delivers again an update whose handling failed after the toast.
        log.debug("callback answer skipped: %s", error)
    message = query.message  # a Message, or an InaccessibleMessage (date 0: no text, no keyboard), or None
    if reply.edit is not None and message is not None:
        # By chat and message id, which both kinds carry: a keyboard under a message older than 48 hours
        # must go as well, or the person is left with buttons that no longer answer anything.
        where = {"chat_id": message.chat.id, "message_id": message.message_id}
        try:
            if reply.edit.keep_text:
                await query.bot.edit_message_reply_markup(**where, reply_markup=keyboard(reply.edit))
            else:
                await query.bot.edit_message_text(
                    fit(reply.edit.text, MAX_TEXT), **where, reply_markup=keyboard(reply.edit)
                )
        except TelegramBadRequest as error:
            # Already edited by an earlier press of the same button, or too old to edit: nothing to change.
            log.debug("edit skipped: %s", error)
    if message is not None:
        await _send(query.bot, message.chat.id, reply)
