"""The context every handler gets: the person behind the update, as a framework-free :class:`Person`.

An outer update middleware, after aiogram's own (which finds the update's sender, ``event_from_user``, wherever
the update keeps it: a message's ``from``, a press's ``from`` …). Handlers take ``person: Person`` and hand it
to their flow; none of them reads Telegram's user object.

Telegram sends updates with no sender too: a channel post, a message a group or channel sends in its own name.
The bot converses with people only, so such an update reaches no handler at all (no handler has to check).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject

from bot.acting import acting_as
from bot.flows.person import Person


class PersonContext(BaseMiddleware):
    """Puts ``data["person"]``. ``redelivered`` comes from the webhook (bot/webhook.py), which passes it to
    ``feed_update`` for an update whose handling failed before; polling never delivers an update twice."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender = data.get("event_from_user")
        if sender is None:
            return UNHANDLED
        data["person"] = Person(
            telegram_id=sender.id, language_code=sender.language_code, redelivered=bool(data.get("redelivered", False))
        )
        return await handler(event, data)


class ActingUser(BaseMiddleware):
    """An outer update middleware, after aiogram's own (which puts the update's sender in ``event_from_user``):
    organiser requests act as the update's sender (bot/acting.py)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        with acting_as(user.id if user is not None else None):
            return await handler(event, data)
