"""Whom the bot acts for on the API's organiser routes: the Telegram user behind the update being handled.

Telegram tells the bot who sent each update; the API cannot see that, so the bot signs it into every organiser
request (``X-Viche-Actor``, :mod:`core.assertion`) and the API decides from its own records what that person may
do. A context variable set around each update carries the id to :class:`bot.backend.Backend`, so that the flows
cannot forget it and no update ever acts as another's sender (each update runs in a context of its own).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

acting_user: ContextVar[int | None] = ContextVar("viche_acting_user", default=None)


class ActingUser(BaseMiddleware):
    """An outer update middleware: after aiogram's own, which puts the update's sender in ``event_from_user``."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        token = acting_user.set(user.id if user is not None else None)
        try:
            return await handler(event, data)
        finally:
            acting_user.reset(token)
