"""What an operator sees of the bot's updates: each update's id on every log line written while it is handled
(aiogram's own "Update id=… is handled" and the error handler's lines included), and the updates counted by kind
and outcome with their handling time (core/metrics.py)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update

from core import logs, metrics


class ObservedDispatcher(Dispatcher):
    """aiogram's Dispatcher, with the update id set for the log lines of the whole handling — from its outermost
    middleware (aiogram's error handling) to its closing line."""

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        token = logs.update_id.set(update.update_id)
        try:
            return await super().feed_update(bot, update, **kwargs)
        finally:
            logs.update_id.reset(token)


class UpdateObserver(BaseMiddleware):
    """Inside aiogram's error handling: an update whose handler raised is counted as an error before the error
    handler (bot/handlers/fallback.py) answers the person. Two counter and histogram updates: a few microseconds
    of an update's milliseconds (BENCHMARKS.md, "Metrics")."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)
            metrics.update_counter(event.event_type, outcome).inc()
