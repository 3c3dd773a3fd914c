"""Failures a bot meets in production, on demand: scripted errors, blocked users, flood limits."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque

from sandbox.errors import BLOCKED_BY_USER, DEFAULT_DESCRIPTIONS, BotAPIError, too_many_requests

WINDOW_SECONDS = 1.0


class Faults:
    def __init__(self) -> None:
        self._scripted: dict[str, deque[BotAPIError]] = defaultdict(deque)
        self.blocked: set[int] = set()
        self.global_per_second: int | None = None
        self.per_chat_per_second: int | None = None
        self._all_sends: deque[float] = deque()
        self._chat_sends: dict[int, deque[float]] = defaultdict(deque)

    def fail_next(self, method: str, status: int, retry_after: int | None, count: int, description: str | None) -> None:
        if status == 429:
            error = too_many_requests(max(1, int(retry_after or 1)))
            if description:
                error.description = description
        else:
            error = BotAPIError(status, description or DEFAULT_DESCRIPTIONS.get(status, f"Error {status}"))
        self._scripted[method.lower()].extend([error] * count)

    def scripted(self, method: str) -> BotAPIError | None:
        queue = self._scripted.get(method.lower())
        return queue.popleft() if queue else None

    def check_blocked(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise BotAPIError(403, BLOCKED_BY_USER)

    def check_rate(self, chat_id: int) -> None:
        """Refuse a send that would exceed a limit within the sliding one-second window."""
        now = time.monotonic()
        waits = []
        if self.global_per_second is not None:
            waits.append(_wait(self._all_sends, self.global_per_second, now))
        if self.per_chat_per_second is not None:
            waits.append(_wait(self._chat_sends[chat_id], self.per_chat_per_second, now))
        longest = max(waits, default=0.0)
        if longest > 0:
            # Telegram only ever answers whole seconds, and never zero.
            raise too_many_requests(max(1, math.ceil(longest)))

    def record_send(self, chat_id: int) -> None:
        now = time.monotonic()
        self._all_sends.append(now)
        self._chat_sends[chat_id].append(now)


def _wait(window: deque[float], limit: int, now: float) -> float:
    while window and window[0] <= now - WINDOW_SECONDS:
        window.popleft()
    if limit <= 0:
        return WINDOW_SECONDS
    if len(window) < limit:
        return 0.0
    return window[len(window) - limit] + WINDOW_SECONDS - now
