"""The bot's command menus, description and short description in every shipped language, published the same way
whatever the framework.

Telegram shows each user the variant for their app's language (``language_code``) and the default one (no
language code, here English) to everyone else. Published once at startup; a failure is logged and never stops
the bot.

Organisers get a menu of their own: the citizen's commands and theirs, set for their chat only (a chat scope) in
every language, at startup for every organiser the backend knows (configured and granted) and on /grant; /revoke
deletes it, and they see the citizen's menu again. Nobody else's chat is ever given the organiser commands.

A front end implements :class:`MenuCalls` (aiogram: bot/commands.py; python-telegram-bot: viche/ptb/calls.py),
raising :class:`MenuRefused` for any Bot API failure, network included.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from bot.flows.menu import command_descriptions, organiser_commands
from bot.i18n import FALLBACK, SUPPORTED, Translator, translator

log = logging.getLogger(__name__)

LANGUAGE_CODES: tuple[str | None, ...] = (*SUPPORTED, None)  # None: the default variant (English)
ORGANISER_MENUS_AT_ONCE = 4

Commands = list[tuple[str, str]]  # (command, description), in the menu's order


class MenuRefused(Exception):
    """A menu call failed (Telegram refused it, or could not be reached)."""


class MenuCalls(Protocol):
    """setMyCommands and deleteMyCommands (for everyone, or for one chat), setMyDescription and
    setMyShortDescription, in a framework's own terms."""

    async def set_commands(self, commands: Commands, language_code: str | None, chat_id: int | None = None) -> None: ...

    async def delete_commands(self, language_code: str | None, chat_id: int) -> None: ...

    async def set_descriptions(self, description: str, short_description: str, language_code: str | None) -> None: ...


def description(tr: Translator) -> str:
    """Shown in an empty chat, before the first /start (at most 512 characters)."""
    return tr._(
        "Have your say: answer a few questions, rate proposals and compare ideas two at a time. "
        "It takes a few minutes, and your answers are anonymous in the results."
    )


def short_description(tr: Translator) -> str:
    """Shown on the bot's profile and in shared links (at most 120 characters)."""
    return tr._("Public consultations: have your say in a few minutes.")


def organiser_menu(tr: Translator, owner: bool) -> Commands:
    """An organiser's menu: the citizen's commands (a chat's own menu replaces the general one), then theirs."""
    return command_descriptions(tr) + [(c.name, c.description) for c in organiser_commands(tr, owner)]


async def publish_menus(calls: MenuCalls, backend: Any = None, *, descriptions: bool = True) -> None:
    """The citizen's menu (and, with ``descriptions``, the bot's description and short description) for each
    locale and the default (English); then the organisers' own menus (``backend`` lists them)."""
    for code in LANGUAGE_CODES:
        tr = translator(code or FALLBACK)
        try:
            await calls.set_commands(command_descriptions(tr), code)
            if descriptions:
                await calls.set_descriptions(description(tr), short_description(tr), code)
        except MenuRefused as error:  # the bot works without a menu
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

    async def publish(organiser: dict[str, Any]) -> None:
        async with limit:
            await publish_organiser_menu(calls, int(organiser["telegram_id"]), bool(organiser.get("owner")))

    await asyncio.gather(*(publish(organiser) for organiser in organisers))


async def publish_organiser_menu(calls: MenuCalls, telegram_id: int, owner: bool = False) -> bool:
    """The organiser commands in this person's private chat (its id is theirs), in every language."""
    for code in LANGUAGE_CODES:
        try:
            await calls.set_commands(organiser_menu(translator(code or FALLBACK), owner), code, chat_id=telegram_id)
        except MenuRefused as error:  # e.g. "chat not found": they never opened the bot yet
            log.warning("could not publish an organiser's menu: %s", error)  # no Telegram id in logs
            return False
    return True


async def withdraw_organiser_menu(calls: MenuCalls, telegram_id: int) -> bool:
    """Their chat's own menus deleted in every language: they see the citizen's menu again."""
    done = True
    for code in LANGUAGE_CODES:
        try:
            await calls.delete_commands(code, chat_id=telegram_id)
        except MenuRefused as error:
            log.warning("could not withdraw an organiser's menu: %s", error)
            done = False
    return done
