"""/mydata and /forget in private chats. Registered before the citizen router."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery, Message

from bot.handlers.filters import Is
from bot.flows.participant import User
from bot.flows.privacy import PrivacyFlow
from bot.handlers.render import answer_callback, send_reply


def _user(event: Message | CallbackQuery) -> User:
    return User(external_id=str(event.from_user.id), language_code=event.from_user.language_code)


class ForgetButton(Filter):
    async def __call__(self, query: CallbackQuery) -> bool:
        return PrivacyFlow.handles(query.data)


async def on_my_data(message: Message, privacy_flow: PrivacyFlow) -> None:
    await send_reply(message.bot, message.chat.id, await privacy_flow.my_data(_user(message)))


async def on_forget(message: Message, privacy_flow: PrivacyFlow) -> None:
    await send_reply(message.bot, message.chat.id, await privacy_flow.forget_menu(_user(message)))


async def on_forget_button(query: CallbackQuery, privacy_flow: PrivacyFlow) -> None:
    await answer_callback(query, await privacy_flow.callback(_user(query), query.data))


def build_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(Is(F.chat.type == "private"), Is(F.from_user))
    router.callback_query.filter(Is(F.message.chat.type == "private"))
    router.message.register(on_my_data, Command("mydata"))
    router.message.register(on_forget, Command("forget"))
    router.callback_query.register(on_forget_button, ForgetButton())
    return router
