"""Routes for organisers' commands, in private chats.

Registered before the participant router. Every handler here is guarded by ``IsOrganiser`` (or ``IsOwner``),
checked after the cheap command filter, so only organiser commands cost a look-up. When the filter says
no, aiogram moves on to the participant router, which answers exactly as it answers any unknown command:
a non-organiser cannot even tell that these commands exist, and nothing is changed.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message

from bot.adapter.flows import tell_others
from bot.adapter.routing import (
    ORGANISER_COMMANDS,
    ORGANISER_COMMANDS_WITH_ARGS,
    OWNER_COMMANDS,
    STATUS_COMMANDS,
)
from bot.commands import AiogramMenus
from bot.delivery.transport import BotApiError
from bot.flows.organiser.flow import MAX_FILE_BYTES, OrganiserFlow, OrganiserReply
from bot.flows.participant import ParticipantFlow
from bot.flows.person import Person
from bot.flows.screens import Reply, Screen
from bot.handlers.filters import Is
from bot.handlers.render import answer, bot_calls, replying

log = logging.getLogger(__name__)


class IsOrganiser(Filter):
    """VICHE_ADMINS, VICHE_OWNERS and granted organisers, as the backend knows them."""

    async def __call__(self, event: Message | CallbackQuery, person: Person, organiser_flow: OrganiserFlow) -> bool:
        return await organiser_flow.allowed(person.telegram_id)


class IsOwner(Filter):
    async def __call__(self, event: Message | CallbackQuery, person: Person, organiser_flow: OrganiserFlow) -> bool:
        return await organiser_flow.is_owner(person.telegram_id)


class OrganiserButton(Filter):
    async def __call__(self, query: CallbackQuery) -> bool:
        return OrganiserFlow.handles(query.data)


async def _answer(event: Message | CallbackQuery, reply: OrganiserReply) -> None:
    """The reply, then what it tells others: authors of moderated proposals, and command menus that change."""
    await answer(event, reply)
    await _notify(event.bot, reply)


async def _notify(bot: Bot, reply: OrganiserReply) -> None:
    await tell_others(bot_calls(bot), AiogramMenus(bot), reply, (TelegramAPIError, BotApiError))


async def on_help(
    message: Message, person: Person, organiser_flow: OrganiserFlow, participant_flow: ParticipantFlow
) -> None:
    """An organiser's /help: what every participant reads, then the organiser commands, in one message."""
    participant, organiser = await participant_flow.help(person), await organiser_flow.help(person)
    text = "\n\n".join(screen.text for screen in [*participant.messages, *organiser.messages])
    await answer(message, Reply(messages=[Screen(text)]))


async def on_document(message: Message, person: Person, organiser_flow: OrganiserFlow) -> None:
    document = message.document
    if not organiser_flow.takes_document(person, document.file_name, message.caption):
        await _answer(message, await organiser_flow.not_a_definition(person))
        return
    if document.file_size and document.file_size > MAX_FILE_BYTES:
        await _answer(message, await organiser_flow.file_too_large(person))
        return
    content = await message.bot.download(document)
    await _answer(message, await organiser_flow.upload(person, document.file_name, content.read() if content else b""))


async def on_status(message: Message, command: CommandObject, person: Person, organiser_flow: OrganiserFlow) -> None:
    await _answer(message, await organiser_flow.status(person, command.command.lower(), command.args))


async def on_link(message: Message, command: CommandObject, person: Person, organiser_flow: OrganiserFlow) -> None:
    me = await message.bot.me()
    await _answer(message, await organiser_flow.link(person, command.args, me.username or ""))


async def on_button(query: CallbackQuery, person: Person, organiser_flow: OrganiserFlow) -> None:
    await _answer(query, await organiser_flow.callback(person, query.data, getattr(query.message, "text", None)))


def build_router() -> Router:
    """A fresh router for each dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="organiser")
    router.message.filter(Is(F.chat.type == "private"))
    organiser, owner = IsOrganiser(), IsOwner()
    # Documents first: aiogram's Command filter also reads captions, and "/new" is a fine caption for the file.
    router.message.register(on_document, Is(F.document), organiser)
    router.message.register(on_help, Command("help"), organiser)
    router.message.register(on_status, Command(*STATUS_COMMANDS), organiser)
    router.message.register(on_link, Command("link"), organiser)
    for command, method in ORGANISER_COMMANDS.items():
        router.message.register(replying("organiser_flow", method, send=_answer), Command(command), organiser)
    for command, method in ORGANISER_COMMANDS_WITH_ARGS.items():
        router.message.register(
            replying("organiser_flow", method, args=True, send=_answer), Command(command), organiser
        )
    for command, method in OWNER_COMMANDS.items():
        router.message.register(replying("organiser_flow", method, args=True, send=_answer), Command(command), owner)
    router.callback_query.register(on_button, OrganiserButton(), organiser)
    return router
