"""The queue of updates waiting for the bot, with getUpdates' long-polling semantics.

An update stays queued until the bot confirms it by asking for a higher offset (or until the
webhook delivered it), so an answer lost on the way is simply returned again, as on Telegram.
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.errors import DEFAULT_DESCRIPTIONS, BotAPIError
from sandbox.notify import ChangeSignal

# Telegram leaves these out unless the bot asks for them explicitly.
OPT_IN_TYPES = {"chat_member", "message_reaction", "message_reaction_count"}
MAX_LIMIT = 100
CLOSED_POLL_SECONDS = 0.5


def update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.allowed_updates: list[str] = []
        self.arrived = ChangeSignal()
        self.closed_at: float | None = None
        self._next_id = 1
        self._poll_generation = 0

    @property
    def next_id(self) -> int:
        return self._next_id

    @next_id.setter
    def next_id(self, value: int) -> None:
        """Continued from an earlier run (sandbox.persistence): a webhook remembers the ids it handled."""
        self._next_id = value

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_id, **body}
        self._next_id += 1
        if self._wanted(update):
            self.pending.append(update)
            self.arrived.notify()
        return update

    def _wanted(self, update: dict[str, Any]) -> bool:
        kind = update_type(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in OPT_IN_TYPES

    def confirm(self, offset: int) -> None:
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def remove(self, update_id: int) -> None:
        self.pending = [u for u in self.pending if u["update_id"] != update_id]

    def drop_all(self) -> None:
        self.pending.clear()

    def close(self) -> None:
        self.closed_at = time.monotonic()
        self.arrived.notify()

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def set_allowed(self, allowed_updates: list[str] | None) -> None:
        """None keeps the previous setting, as on Telegram; an empty list restores the default."""
        if allowed_updates is None:
            return
        self.allowed_updates = list(allowed_updates)
        self.pending = [u for u in self.pending if self._wanted(u)]

    async def fetch(self, offset: int, limit: int, timeout: float) -> list[dict[str, Any]]:
        self.confirm(offset)
        limit = min(max(limit, 1), MAX_LIMIT)
        self._poll_generation += 1
        generation = self._poll_generation
        # Wake an older long-poll so that it can step aside, like Telegram does.
        self.arrived.notify()
        started = time.monotonic()
        deadline = started + max(timeout, 0)
        while True:
            if self.pending:
                return self.pending[:limit]
            if generation != self._poll_generation:
                raise BotAPIError(409, DEFAULT_DESCRIPTIONS[409])
            if self.closed_at is not None:
                # Shutting down: free the polls that were waiting, and keep later ones short rather
                # than instant, so that a bot still polling does not spin.
                closing_deadline = self.closed_at if started < self.closed_at else started + CLOSED_POLL_SECONDS
                deadline = min(deadline, closing_deadline)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await self.arrived.wait(remaining)
