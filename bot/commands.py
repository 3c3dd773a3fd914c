"""The bot's command menu, description and short description in every shipped language.

Telegram shows each user the variant for their app's language (``language_code``) and the default one
(no language code, here English) to everyone else. Published once at startup, as a dispatcher startup hook;
a failure is logged and never stops the bot.
"""
from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand

from bot.flows.menu import command_descriptions
from bot.i18n import FALLBACK, SUPPORTED, Translator, translator

log = logging.getLogger(__name__)


def description(tr: Translator) -> str:
    """Shown in an empty chat, before the first /start (at most 512 characters)."""
    return tr._("Have your say: answer a few questions, rate proposals and compare ideas two at a time. "
                "It takes a few minutes, and your answers are anonymous in the results.")


def short_description(tr: Translator) -> str:
    """Shown on the bot's profile and in shared links (at most 120 characters)."""
    return tr._("Public consultations: have your say in a few minutes.")


async def publish_commands(bot: Bot) -> None:
    """setMyCommands, setMyDescription and setMyShortDescription for each locale, plus the default (English)."""
    targets: list[str | None] = [*SUPPORTED, None]
    for code in targets:
        tr = translator(code or FALLBACK)
        try:
            await bot.set_my_commands([BotCommand(command=name, description=text)
                                       for name, text in command_descriptions(tr)], language_code=code)
            await bot.set_my_description(description(tr), language_code=code)
            await bot.set_my_short_description(short_description(tr), language_code=code)
        except TelegramAPIError as error:  # includes network errors: the bot works without a menu
            log.warning("could not publish the command menu for %s: %s", code or "default", error)
