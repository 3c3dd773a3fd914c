"""Routes for organisers' admin commands, in private chats.

Registered before the citizen router. Every handler here is guarded by ``IsOrganiser`` (or ``IsOwner``),
checked after the cheap command filter, so only admin commands cost a look-up. When the filter says
no, aiogram moves on to the citizen router, which answers exactly as it answers any unknown command:
a non-organiser cannot even tell that these commands exist, and nothing is changed.
"""
from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message

from bot.commands import publish_organiser_menu, withdraw_organiser_menu
from bot.handlers.filters import Is
from bot.flows.organiser.flow import MAX_FILE_BYTES, Organiser, OrganiserFlow, OrganiserReply
from bot.flows.participant import ParticipantFlow, User
from bot.flows.screens import Reply, Screen
from bot.handlers.render import answer_callback, send_reply, send_screen

log = logging.getLogger(__name__)


class IsOrganiser(Filter):
    """VICHE_ADMINS, VICHE_OWNERS and granted organisers, as the backend knows them."""

    async def __call__(self, event: Message | CallbackQuery, organiser_flow: OrganiserFlow) -> bool:
        return event.from_user is not None and await organiser_flow.allowed(event.from_user.id)


class IsOwner(Filter):
    async def __call__(self, event: Message | CallbackQuery, organiser_flow: OrganiserFlow) -> bool:
        return event.from_user is not None and await organiser_flow.is_owner(event.from_user.id)


class OrganiserButton(Filter):
    async def __call__(self, query: CallbackQuery) -> bool:
        return OrganiserFlow.handles(query.data)


def _organiser(event: Message | CallbackQuery) -> Organiser:
    return Organiser(telegram_id=event.from_user.id, language_code=event.from_user.language_code)


async def _send(bot: Bot, chat_id: int, reply: OrganiserReply) -> None:
    await send_reply(bot, chat_id, reply)
    await _notify(bot, reply)


async def _notify(bot: Bot, reply: OrganiserReply) -> None:
    for notice in reply.notices:
        try:
            await send_screen(bot, notice.chat_id, notice.screen)
        except TelegramAPIError as error:  # blocked the bot, deleted the account …: the decision stands
            log.warning("could not notify chat %s: %s", notice.chat_id, error)
    for change in reply.menus:  # /grant, /revoke: the person's own command menu follows
        if change.organiser:
            await publish_organiser_menu(bot, change.telegram_id, change.owner)
        else:
            await withdraw_organiser_menu(bot, change.telegram_id)


async def on_admin_help(message: Message, organiser_flow: OrganiserFlow) -> None:
    await _send(message.bot, message.chat.id, await organiser_flow.help(_organiser(message)))


async def on_help(message: Message, organiser_flow: OrganiserFlow, participant_flow: ParticipantFlow) -> None:
    """An organiser's /help: what every citizen reads, then the organiser commands, in one message."""
    sender = message.from_user
    citizen = await participant_flow.help(User(external_id=str(sender.id), language_code=sender.language_code))
    organiser = await organiser_flow.help(_organiser(message))
    text = "\n\n".join(screen.text for screen in [*citizen.messages, *organiser.messages])
    await send_reply(message.bot, message.chat.id, Reply(messages=[Screen(text)]))


async def on_new(message: Message, organiser_flow: OrganiserFlow) -> None:
    await _send(message.bot, message.chat.id, await organiser_flow.new(_organiser(message)))


async def on_document(message: Message, organiser_flow: OrganiserFlow) -> None:
    user, document = _organiser(message), message.document
    if not organiser_flow.takes_document(user, document.file_name, message.caption):
        await _send(message.bot, message.chat.id, await organiser_flow.not_a_definition(user))
        return
    if document.file_size and document.file_size > MAX_FILE_BYTES:
        await _send(message.bot, message.chat.id, await organiser_flow.file_too_large(user))
        return
    content = await message.bot.download(document)
    reply = await organiser_flow.upload(user, document.file_name, content.read() if content else b"")
    await _send(message.bot, message.chat.id, reply)


async def on_list(message: Message, organiser_flow: OrganiserFlow) -> None:
    await _send(message.bot, message.chat.id, await organiser_flow.list(_organiser(message)))


async def on_status(message: Message, command: CommandObject, organiser_flow: OrganiserFlow) -> None:
    reply = await organiser_flow.status(_organiser(message), command.command.lower(), command.args)
    await _send(message.bot, message.chat.id, reply)


async def on_stats(message: Message, command: CommandObject, organiser_flow: OrganiserFlow) -> None:
    await _send(message.bot, message.chat.id, await organiser_flow.stats(_organiser(message), command.args))


async def on_preview(message: Message, command: CommandObject, organiser_flow: OrganiserFlow) -> None:
    await _send(message.bot, message.chat.id, await organiser_flow.preview(_organiser(message), command.args))


async def on_moderate(message: Message, command: CommandObject, organiser_flow: OrganiserFlow) -> None:
    await _send(message.bot, message.chat.id, await organiser_flow.moderate(_organiser(message), command.args))


async def on_link(message: Message, command: CommandObject, organiser_flow: OrganiserFlow) -> None:
    me = await message.bot.me()
    reply = await organiser_flow.link(_organiser(message), command.args, me.username or "")
    await _send(message.bot, message.chat.id, reply)


async def on_grant(message: Message, command: CommandObject, organiser_flow: OrganiserFlow) -> None:
    await _send(message.bot, message.chat.id, await organiser_flow.grant(_organiser(message), command.args))


async def on_revoke(message: Message, command: CommandObject, organiser_flow: OrganiserFlow) -> None:
    await _send(message.bot, message.chat.id, await organiser_flow.revoke(_organiser(message), command.args))


async def on_button(query: CallbackQuery, organiser_flow: OrganiserFlow) -> None:
    message_text = getattr(query.message, "text", None)
    reply = await organiser_flow.callback(_organiser(query), query.data, message_text)
    await answer_callback(query, reply)
    await _notify(query.bot, reply)


def build_router() -> Router:
    """A fresh router for each dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="admin")
    router.message.filter(Is(F.chat.type == "private"))
    organiser, owner = IsOrganiser(), IsOwner()
    # Documents first: aiogram's Command filter also reads captions, and "/new" is a fine caption for the file.
    router.message.register(on_document, Is(F.document), organiser)
    router.message.register(on_admin_help, Command("admin"), organiser)
    router.message.register(on_help, Command("help"), organiser)
    router.message.register(on_new, Command("new"), organiser)
    router.message.register(on_list, Command("list"), organiser)
    router.message.register(on_status, Command("launch", "pause", "resume", "close"), organiser)
    router.message.register(on_stats, Command("stats"), organiser)
    router.message.register(on_preview, Command("preview"), organiser)
    router.message.register(on_moderate, Command("moderate"), organiser)
    router.message.register(on_link, Command("link"), organiser)
    router.message.register(on_grant, Command("grant"), owner)
    router.message.register(on_revoke, Command("revoke"), owner)
    router.callback_query.register(on_button, OrganiserButton(), organiser)
    return router
