"""python-telegram-bot's side of the shared protocols: :class:`~bot.adapter.render.BotCalls` (a reply's Bot API
calls) and :class:`~bot.adapter.menus.MenuCalls` (the command menus). Every keyboard viche sends carries its
buttons' data under the namespace (viche/ptb/namespace.py), so the host's own buttons never reach viche."""

from __future__ import annotations

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)
from telegram.error import BadRequest, TelegramError

from bot.adapter.menus import Commands, MenuRefused
from bot.adapter.render import MAX_TEXT, Refused, caption, fit
from bot.flows.screens import Button, Screen
from viche.ptb.namespace import Namespace


class PtbCalls:
    def __init__(self, bot: Bot, namespace: Namespace) -> None:
        self.bot = bot
        self.namespace = namespace

    def keyboard(self, screen: Screen) -> InlineKeyboardMarkup | None:
        if not screen.buttons:
            return None
        return InlineKeyboardMarkup([[self._button(button) for button in row] for row in screen.buttons])

    def message_keyboard(
        self, screen: Screen
    ) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
        """A sent message's keyboard: the contact button (a custom keyboard), or taking it away, or inline buttons."""
        if screen.contact_button is not None:
            button = KeyboardButton(screen.contact_button, request_contact=True)
            return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
        if screen.remove_keyboard and not screen.buttons:
            return ReplyKeyboardRemove()
        return self.keyboard(screen)

    def _button(self, button: Button) -> InlineKeyboardButton:
        if button.url and button.web_app:
            return InlineKeyboardButton(button.text, web_app=WebAppInfo(button.url))
        if button.url:
            return InlineKeyboardButton(button.text, url=button.url)
        return InlineKeyboardButton(button.text, callback_data=self.namespace.wrap(button.data))

    async def send(self, chat_id: int, screen: Screen) -> None:
        markup = self.message_keyboard(screen)
        if screen.venue is not None:
            place = screen.venue
            await self.bot.send_venue(chat_id, place.latitude, place.longitude, place.title, place.address)
        elif screen.photo is not None:
            photo = InputFile(screen.photo, filename="chart.png")
            await self.bot.send_photo(chat_id, photo, caption=caption(screen), reply_markup=markup)
        elif screen.document is not None:
            name, content = screen.document
            document = InputFile(content, filename=name)
            await self.bot.send_document(chat_id, document, caption=caption(screen), reply_markup=markup)
        else:
            await self.bot.send_message(chat_id, fit(screen.text, MAX_TEXT) or "", reply_markup=markup)

    async def answer_query(self, query_id: str, text: str | None, alert: bool) -> None:
        try:
            await self.bot.answer_callback_query(query_id, text=text, show_alert=alert)
        except BadRequest as error:
            raise Refused(str(error)) from error

    async def edit_markup(self, chat_id: int, message_id: int, screen: Screen) -> None:
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=self.keyboard(screen)
            )
        except BadRequest as error:
            raise Refused(str(error)) from error

    async def edit_text(self, chat_id: int, message_id: int, screen: Screen) -> None:
        try:
            await self.bot.edit_message_text(
                fit(screen.text, MAX_TEXT) or "",
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=self.keyboard(screen),
            )
        except BadRequest as error:
            raise Refused(str(error)) from error


class PtbMenus:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def set_commands(self, commands: Commands, language_code: str | None, chat_id: int | None = None) -> None:
        scope = BotCommandScopeChat(chat_id) if chat_id is not None else None
        try:
            await self.bot.set_my_commands(
                [BotCommand(name, text) for name, text in commands], scope=scope, language_code=language_code
            )
        except TelegramError as error:  # includes network errors
            raise MenuRefused(str(error)) from error

    async def delete_commands(self, language_code: str | None, chat_id: int) -> None:
        try:
            await self.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id), language_code=language_code)
        except TelegramError as error:
            raise MenuRefused(str(error)) from error

    async def set_descriptions(self, description: str, short_description: str, language_code: str | None) -> None:
        try:
            await self.bot.set_my_description(description, language_code=language_code)
            await self.bot.set_my_short_description(short_description, language_code=language_code)
        except TelegramError as error:
            raise MenuRefused(str(error)) from error
