"""Routes of broadcasts: citizens' /digests and /stop, organisers' /digest <slug> [round] and /broadcasts.

Registered before the participant router (whose catch-all would answer "unknown command"); the organiser
commands use the organiser router's ``IsOrganiser`` filter, so anyone else falls through to the participant's reply.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiogram import BaseMiddleware, Dispatcher, F, Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message

from bot.adapter.reachable import Reachability
from bot.adapter.routing import DIGEST_COMMANDS
from bot.flows.digests import DigestFlow
from bot.flows.organiser.flow import OrganiserFlow
from bot.flows.person import Person
from bot.handlers.filters import Is
from bot.handlers.organiser import IsOrganiser
from bot.handlers.render import answer, replying


async def _as_organiser(person: Person, organiser_flow: OrganiserFlow) -> Person:
    """The organiser, with the language they read by the rule of every screen (the one they chose first)."""
    return replace(person, language_code=await organiser_flow.language(person))


class DigestButton(Filter):
    async def __call__(self, query: CallbackQuery) -> bool:
        return DigestFlow.handles(query.data)


async def on_button(query: CallbackQuery, person: Person, digest_flow: DigestFlow) -> None:
    await answer(query, await digest_flow.callback(person, query.data))


async def on_digest(
    message: Message,
    command: CommandObject,
    person: Person,
    digest_flow: DigestFlow,
    organiser_flow: OrganiserFlow,
    delivery: Any = None,
) -> None:
    refusal = await organiser_flow.digest_refusal(person, command.args)
    if refusal is not None:
        await answer(message, refusal)
        return
    await answer(
        message,
        await digest_flow.start_digest(await _as_organiser(person, organiser_flow), message.chat.id, command.args),
    )
    if delivery is not None:  # the sender of this process (viche.runner): start now, not at its next poll
        delivery.wake()


async def on_broadcasts(
    message: Message, person: Person, digest_flow: DigestFlow, organiser_flow: OrganiserFlow
) -> None:
    await answer(message, await digest_flow.broadcasts(await _as_organiser(person, organiser_flow)))


def build_router() -> Router:
    """A fresh router for each dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="broadcasts")
    router.message.filter(Is(F.chat.type == "private"))
    router.callback_query.filter(Is(F.message.chat.type == "private"))
    organiser = IsOrganiser()
    router.message.register(on_digest, Command("digest"), organiser)
    router.message.register(on_broadcasts, Command("broadcasts"), organiser)
    for command, method in DIGEST_COMMANDS.items():
        router.message.register(replying("digest_flow", method), Command(command))
    router.callback_query.register(on_button, DigestButton())
    return router


class ReachableAgain(BaseMiddleware):
    """bot/adapter/reachable.py for every message and press from a private chat."""

    def __init__(self, remember: int = 100_000) -> None:
        self.reachability = Reachability(remember)

    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        user, chat = data.get("event_from_user"), data.get("event_chat")
        if user is not None and chat is not None and chat.type == "private":
            await self.reachability.heard_from(data.get("backend"), user.id)
        return await handler(event, data)


def install(dispatcher: Dispatcher, digest_flow: DigestFlow) -> None:
    """The flow, the router (call before including the participant router) and the middleware."""
    dispatcher["digest_flow"] = digest_flow
    dispatcher.include_router(build_router())
    reachable = ReachableAgain()
    dispatcher.message.outer_middleware(reachable)
    dispatcher.callback_query.outer_middleware(reachable)
