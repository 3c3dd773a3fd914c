"""Routes for participants in private chats."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.adapter.routing import PARTICIPANT_COMMANDS, pressed_label
from bot.flows.participant import ParticipantFlow
from bot.flows.person import Person
from bot.handlers.filters import Is
from bot.handlers.render import answer, replying


def _pressed_label(query: CallbackQuery) -> str | None:
    markup = getattr(query.message, "reply_markup", None)
    rows = getattr(markup, "inline_keyboard", None) or []
    return pressed_label(([(b.text, b.callback_data) for b in row] for row in rows), query.data)


async def on_text(message: Message, person: Person, participant_flow: ParticipantFlow) -> None:
    await answer(message, await participant_flow.text(person, message.text))


async def on_location(message: Message, person: Person, participant_flow: ParticipantFlow) -> None:
    await answer(
        message, await participant_flow.location(person, message.location.latitude, message.location.longitude)
    )


async def on_contact(message: Message, person: Person, participant_flow: ParticipantFlow) -> None:
    contact = message.contact
    await answer(message, await participant_flow.contact(person, contact.phone_number, contact.user_id))


async def on_button(query: CallbackQuery, person: Person, participant_flow: ParticipantFlow) -> None:
    message_text = getattr(query.message, "text", None)  # an InaccessibleMessage has none
    await answer(query, await participant_flow.callback(person, query.data, _pressed_label(query), message_text))


def build_router() -> Router:
    """A fresh router each time: aiogram attaches a router to one dispatcher only, and tests build several."""
    router = Router(name="participant")
    router.message.filter(Is(F.chat.type == "private"))
    router.callback_query.filter(Is(F.message.chat.type == "private"))  # buttons in groups: see handlers/fallback
    router.message.register(replying("participant_flow", ParticipantFlow.start, args=True), CommandStart())
    for command, method in PARTICIPANT_COMMANDS.items():
        router.message.register(replying("participant_flow", method), Command(command))
    router.message.register(replying("participant_flow", ParticipantFlow.unknown_command), Is(F.text.startswith("/")))
    router.message.register(on_text, Is(F.text))
    router.message.register(on_location, Is(F.location))
    router.message.register(on_contact, Is(F.contact))
    router.callback_query.register(on_button)
    return router
