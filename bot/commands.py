"""The command menus through aiogram: bot/adapter/menus.py decides what is published where (every language, the
organisers' own chats); here only aiogram's side of :class:`~bot.adapter.menus.MenuCalls`. ``publish_commands``
runs as a dispatcher startup hook."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.adapter import menus
from bot.adapter.menus import Commands, MenuRefused, description, short_description
from bot.flows.menu import command_descriptions

__all__ = [
    "command_descriptions",
    "description",
    "publish_commands",
    "publish_organiser_menu",
    "short_description",
    "withdraw_organiser_menu",
]


class AiogramMenus:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def set_commands(self, commands: Commands, language_code: str | None, chat_id: int | None = None) -> None:
        scope = BotCommandScopeChat(chat_id=chat_id) if chat_id is not None else None
        try:
            await self.bot.set_my_commands(
                [BotCommand(command=name, description=text) for name, text in commands],
                scope=scope,
                language_code=language_code,
            )
        except TelegramAPIError as error:  # includes network errors
            raise MenuRefused(str(error)) from error

    async def delete_commands(self, language_code: str | None, chat_id: int) -> None:
        try:
            await self.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id), language_code=language_code)
        except TelegramAPIError as error:
            raise MenuRefused(str(error)) from error

    async def set_descriptions(self, description: str, short_description: str, language_code: str | None) -> None:
        try:
            await self.bot.set_my_description(description, language_code=language_code)
            await self.bot.set_my_short_description(short_description, language_code=language_code)
        except TelegramAPIError as error:
            raise MenuRefused(str(error)) from error


async def publish_commands(bot: Bot, backend: Any = None) -> None:
    await menus.publish_menus(AiogramMenus(bot), backend)


async def publish_organiser_menu(bot: Bot, telegram_id: int, owner: bool = False) -> bool:
    return await menus.publish_organiser_menu(AiogramMenus(bot), telegram_id, owner)


async def withdraw_organiser_menu(bot: Bot, telegram_id: int) -> bool:
    return await menus.withdraw_organiser_menu(AiogramMenus(bot), telegram_id)
