"""/mydata and /forget in private chats. Registered before the participant router."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery

from bot.adapter.routing import PRIVACY_COMMANDS
from bot.flows.person import Person
from bot.flows.privacy import PrivacyFlow
from bot.handlers.filters import Is
from bot.handlers.render import answer, replying


class ForgetButton(Filter):
    async def __call__(self, query: CallbackQuery) -> bool:
        return PrivacyFlow.handles(query.data)


async def on_forget_button(query: CallbackQuery, person: Person, privacy_flow: PrivacyFlow) -> None:
    await answer(query, await privacy_flow.callback(person, query.data))


def build_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(Is(F.chat.type == "private"))
    router.callback_query.filter(Is(F.message.chat.type == "private"))
    for command, method in PRIVACY_COMMANDS.items():
        router.message.register(replying("privacy_flow", method), Command(command))
    router.callback_query.register(on_forget_button, ForgetButton())
    return router
