"""Whom the bot acts for on the API's organiser routes: the Telegram user behind the update being handled.

Telegram tells the bot who sent each update; the API cannot see that, so the bot signs it into every organiser
request (``X-Viche-Actor``, :mod:`core.assertion`) and the API decides from its own records what that person may
do. A context variable set around each update carries the id to :class:`bot.backend.Backend`, so that the flows
cannot forget it and no update ever acts as another's sender (each update runs in a context of its own). Each
framework sets it around an update: aiogram's ``ActingUser`` middleware (bot/handlers/context.py), the
python-telegram-bot handler (viche/ptb/handler.py), both through :func:`acting_as`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

acting_user: ContextVar[int | None] = ContextVar("viche_acting_user", default=None)


@contextmanager
def acting_as(telegram_id: int | None) -> Iterator[None]:
    token = acting_user.set(telegram_id)
    try:
        yield
    finally:
        acting_user.reset(token)
