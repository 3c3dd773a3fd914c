"""The bot's command menus, description and short description in every shipped language.

Telegram shows each user the variant for their app's language (``language_code``) and the default one
(no language code, here English) to everyone else. Published once at startup, as a dispatcher startup hook;
a failure is logged and never stops the bot.

Organisers get a menu of their own: the citizen's commands and theirs, set for their chat only
(``BotCommandScopeChat``) in every language, at startup for every organiser the backend knows (configured
and granted) and on /grant; /revoke deletes it, and they see the citizen's menu again. Nobody else's chat is
ever given the organiser commands.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.flows.menu import command_descriptions, organiser_commands
from bot.i18n import FALLBACK, SUPPORTED, Translator, translator

log = logging.getLogger(__name__)

LANGUAGE_CODES: tuple[str | None, ...] = (*SUPPORTED, None)  # None: the default variant (English)
ORGANISER_MENUS_AT_ONCE = 4


def description(tr: Translator) -> str:
    """Shown in an empty chat, before the first /start (at most 512 characters)."""
    return tr._(
        "Have your say: answer a few questions, rate proposals and compare ideas two at a time. "
        "It takes a few minutes, and your answers are anonymous in the results."
    )


def short_description(tr: Translator) -> str:
    """Shown on the bot's profile and in shared links (at most 120 characters)."""
    return tr._("Public consultations: have your say in a few minutes.")


def organiser_menu(tr: Translator, owner: bool) -> list[BotCommand]:
    """An organiser's menu: the citizen's commands (a chat's own menu replaces the general one), then theirs."""
    return [BotCommand(command=name, description=text) for name, text in command_descriptions(tr)] + [
        BotCommand(command=c.name, description=c.description) for c in organiser_commands(tr, owner)
    ]


async def publish_commands(bot: Bot, backend: Any = None) -> None:
    """setMyCommands, setMyDescription and setMyShortDescription for each locale, plus the default (English);
    then the organisers' own menus (``backend`` lists them)."""
    for code in LANGUAGE_CODES:
        tr = translator(code or FALLBACK)
        try:
            await bot.set_my_commands(
                [BotCommand(command=name, description=text) for name, text in command_descriptions(tr)],
                language_code=code,
            )
            await bot.set_my_description(description(tr), language_code=code)
            await bot.set_my_short_description(short_description(tr), language_code=code)
        except TelegramAPIError as error:  # includes network errors: the bot works without a menu
            log.warning("could not publish the command menu for %s: %s", code or "default", error)
    if backend is None:
        return
    try:
        organisers = await backend.organiser_menus()
    except Exception as error:  # noqa: BLE001 - the backend away at startup: the menus come with the next start
        log.warning("could not list the organisers for their command menus: %s", error)
        return
    # A few chats at a time: eight calls each would hold up the start for seconds with a dozen organisers.
    limit = asyncio.Semaphore(ORGANISER_MENUS_AT_ONCE)

    async def publish(organiser: dict) -> None:
        async with limit:
            await publish_organiser_menu(bot, int(organiser["telegram_id"]), bool(organiser.get("owner")))

    await asyncio.gather(*(publish(organiser) for organiser in organisers))


async def publish_organiser_menu(bot: Bot, telegram_id: int, owner: bool = False) -> bool:
    """The organiser commands in this person's private chat (its id is theirs), in every language."""
    scope = BotCommandScopeChat(chat_id=telegram_id)
    for code in LANGUAGE_CODES:
        try:
            await bot.set_my_commands(
                organiser_menu(translator(code or FALLBACK), owner), scope=scope, language_code=code
            )
        except TelegramAPIError as error:  # e.g. "chat not found": they never opened the bot yet
            log.warning("could not publish an organiser's menu: %s", error)  # no Telegram id in logs
            return False
    return True


async def withdraw_organiser_menu(bot: Bot, telegram_id: int) -> bool:
    """Their chat's own menus deleted in every language: they see the citizen's menu again."""
    scope = BotCommandScopeChat(chat_id=telegram_id)
    done = True
    for code in LANGUAGE_CODES:
        try:
            await bot.delete_my_commands(scope=scope, language_code=code)
        except TelegramAPIError as error:
            log.warning("could not withdraw an organiser's menu: %s", error)
            done = False
    return done
