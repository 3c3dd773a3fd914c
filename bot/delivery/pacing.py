"""Pacing: when the delivery engine may start its next Bot API call, overall (``Pacer``) and per chat
(``ChatSpacing``), so that sends stay under a sliding-window limit.

Telegram (and the fake Bot API in ``sandbox/faults.py``) refuses a send when ``limit`` sends were already
counted in the last second, counting each one at some moment while its HTTP call is under way. The engine does
not see that moment, only when it started a call and when the answer came back. The pacer therefore lets a new
call start only while fewer than ``limit`` calls are *in flight or answered less than one second ago*. That is
enough, whatever the server's or the network's delays (a server stalled for a second, then answering a backlog
back to back): take any one-second window of the server's clock and the last call, k, to start among those
counted in it. Each other one of them started before k and was counted after the window began, so when k
started it was either in flight or answered less than a second before; the pacer had counted it, so there
are at most ``limit`` of them, k included, and none is refused. The same rule with limit 1 per chat keeps
the one-message-a-second-per-chat limit. The price is the round-trip time: in steady state each call
occupies the window for one second plus its latency, so a pacer set to ``limit`` achieves
``limit / (1 + latency)`` — 99 % with 10 ms round trips.

Within that, calls start on a schedule (one every ``1 / rate`` s, on the monotonic clock, at most ``burst``
saved up) rather than all at once at the top of each second.
"""

from __future__ import annotations

import math
import time
from collections import deque

#: Calls answered less than WINDOW + MARGIN seconds ago still count (the server's window is one second; the margin
#: covers the two processes reading the monotonic clock at slightly different moments).
WINDOW = 1.0
MARGIN = 0.002


class Pacer:
    """When the next call may start: a schedule of ``rate`` calls a second, and at most ``rate`` (rounded down)
    calls in flight or answered within the last second (see the module's docstring for why that never exceeds the
    limit)."""

    def __init__(self, rate: float, burst: int = 1, clock=time.monotonic) -> None:
        self.rate, self.clock = rate, clock
        self.limit = max(1, math.floor(rate))  # calls in flight or answered within the last second
        self.interval = 1.0 / rate
        self.burst = max(1, burst)
        self.next_at = clock()  # when the next token of the schedule is due
        self.in_flight = 0
        self._answered: deque[float] = deque()

    def _expire(self, now: float) -> None:
        horizon = now - WINDOW - MARGIN
        answered = self._answered
        while answered and answered[0] <= horizon:
            answered.popleft()

    def available(self, now: float | None = None) -> int:
        """How many calls may start now."""
        now = self.clock() if now is None else now
        earliest = now - (self.burst - 1) * self.interval  # unused tokens are kept up to ``burst``
        if self.next_at < earliest:
            self.next_at = earliest
        if now < self.next_at:
            return 0
        self._expire(now)
        room = self.limit - self.in_flight - len(self._answered)
        # (The epsilon: a saved-up burst computed back from ``earliest`` is a whole number in floating point's
        # eyes only up to rounding; without it a full burst of 5 came out as 4.)
        return max(0, min(room, int((now - self.next_at) * self.rate + 1e-9) + 1))

    def wait(self, now: float | None = None) -> float | None:
        """Seconds until ``available()`` may be positive; None when only an answer can free the window."""
        now = self.clock() if now is None else now
        delay = max(0.0, self.next_at - now)
        self._expire(now)
        if self.in_flight + len(self._answered) >= self.limit:
            if not self._answered:
                return None
            delay = max(delay, self._answered[0] + WINDOW + MARGIN - now)
        return delay

    def started(self, count: int = 1) -> None:
        self.next_at += count * self.interval
        self.in_flight += count

    def answered(self, now: float | None = None) -> None:
        self.in_flight -= 1
        self._answered.append(self.clock() if now is None else now)

    def hold(self, until: float) -> None:
        """No call before ``until`` (a 429's retry_after); the schedule starts again from nothing then."""
        self.next_at = max(self.next_at, until)


class ChatSpacing:
    """At most one call per ``interval`` to any one chat, by the same rule as the pacer with a limit of 1: a chat
    is free once its last call was answered ``interval`` (plus the margin) ago."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.busy: set[int] = set()
        self.free_at: dict[int, float] = {}

    def ready(self, chat_id: int, now: float) -> bool:
        return chat_id not in self.busy and self.free_at.get(chat_id, 0.0) <= now

    def started(self, chat_id: int) -> None:
        self.busy.add(chat_id)

    def answered(self, chat_id: int, now: float) -> None:
        self.busy.discard(chat_id)
        self.free_at[chat_id] = now + self.interval + MARGIN
        if len(self.free_at) > 100_000:
            self.free_at = {chat: at for chat, at in self.free_at.items() if at > now}
