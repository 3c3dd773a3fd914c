"""Someone who writes to the bot has not blocked it (any more): tell the backend, once per person and process, so
that a participant marked unreachable by a 403 gets later digests again. Called for every update from a private
chat by each framework (aiogram: ``ReachableAgain`` in bot/handlers/broadcasts.py; viche/ptb/handler.py)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from bot.flows.known import CHANNEL

log = logging.getLogger(__name__)


class Reachability:
    def __init__(self, remember: int = 100_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._remember = remember

    async def heard_from(self, backend: Any, telegram_id: int) -> None:
        if telegram_id in self._seen:
            return
        self._seen[telegram_id] = None
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        try:
            if backend is not None:
                await backend.reachable(CHANNEL, str(telegram_id))
        except Exception as error:  # noqa: BLE001 - never let this bookkeeping stop a conversation
            log.debug("could not mark a sender reachable: %s", error)  # no Telegram id in logs
