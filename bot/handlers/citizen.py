"""Routes for citizens in private chats."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.handlers.filters import Is
from bot.flows.participant import ParticipantFlow, User
from bot.handlers.render import answer_callback, send_reply



def _user(event: Message | CallbackQuery) -> User:
    sender = event.from_user
    return User(external_id=str(sender.id), language_code=sender.language_code)


def _pressed_label(query: CallbackQuery) -> str | None:
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or []:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


async def on_start(message: Message, command: CommandObject, participant_flow: ParticipantFlow) -> None:
    reply = await participant_flow.start(_user(message), command.args)
    await send_reply(message.bot, message.chat.id, reply)


async def on_help(message: Message, participant_flow: ParticipantFlow) -> None:
    await send_reply(message.bot, message.chat.id, await participant_flow.help(_user(message)))


async def on_language(message: Message, participant_flow: ParticipantFlow) -> None:
    await send_reply(message.bot, message.chat.id, await participant_flow.choose_language_menu(_user(message)))


async def on_consultations(message: Message, participant_flow: ParticipantFlow) -> None:
    await send_reply(message.bot, message.chat.id, await participant_flow.consultations(_user(message)))


async def on_unknown_command(message: Message, participant_flow: ParticipantFlow) -> None:
    await send_reply(message.bot, message.chat.id, await participant_flow.unknown_command(_user(message)))


async def on_text(message: Message, participant_flow: ParticipantFlow) -> None:
    await send_reply(message.bot, message.chat.id, await participant_flow.text(_user(message), message.text))


async def on_location(message: Message, participant_flow: ParticipantFlow) -> None:
    reply = await participant_flow.location(_user(message), message.location.latitude, message.location.longitude)
    await send_reply(message.bot, message.chat.id, reply)


async def on_button(query: CallbackQuery, participant_flow: ParticipantFlow, redelivered: bool = False) -> None:
    message_text = getattr(query.message, "text", None)
    sender = query.from_user
    user = User(external_id=str(sender.id), language_code=sender.language_code, redelivered=redelivered)
    reply = await participant_flow.callback(user, query.data, _pressed_label(query), message_text)
    await answer_callback(query, reply)


def build_router() -> Router:
    """A fresh router each time: aiogram attaches a router to one dispatcher only, and tests build several."""
    router = Router(name="citizen")
    router.message.filter(Is(F.chat.type == "private"))
    router.callback_query.filter(Is(F.message.chat.type == "private"))  # buttons in groups: see handlers/fallback
    router.message.register(on_start, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_language, Command("language"))
    router.message.register(on_consultations, Command("consultations"))
    router.message.register(on_unknown_command, Is(F.text.startswith("/")))
    router.message.register(on_text, Is(F.text))
    router.message.register(on_location, Is(F.location))
    router.callback_query.register(on_button)
    return router
