"""The pacer against a simulated server that counts sends in a sliding second, as Telegram and the fake Bot API do:
whatever the delays (answers late, a server stalled and then answering a backlog back to back), no send is
refused, and at a steady latency the pacer reaches rate / (1 + latency)."""

from __future__ import annotations

import heapq
import random
from collections import deque

import pytest

from bot.delivery.pacing import MARGIN, WINDOW, ChatSpacing, Pacer


def simulate(limit: int, seconds: float, latency, seed: int = 1) -> tuple[int, int]:
    """Returns (calls counted by the server, calls it refused). ``latency(rng, t)`` → (counted after, answered
    after): the server counts a call at some moment while it is under way, the engine sees the answer later."""
    rng = random.Random(seed)
    now = [0.0]
    pacer = Pacer(limit, burst=max(2, limit // 10), clock=lambda: now[0])
    counted: deque[float] = deque()  # the server's sliding second
    total = 0
    events: list[tuple[float, int, str]] = []  # (time, order, "count" | "answer")
    refused = order = 0
    step = 0.001
    while now[0] < seconds:
        t = now[0]
        while events and events[0][0] <= t:
            at, _, kind = heapq.heappop(events)
            if kind == "count":
                while counted and counted[0] <= at - WINDOW:
                    counted.popleft()
                if len(counted) >= limit:
                    refused += 1
                else:
                    counted.append(at)
                    total += 1
            else:
                pacer.answered(at)
        for _ in range(pacer.available(t)):
            pacer.started()
            count_after, answer_after = latency(rng, t)
            order += 1
            heapq.heappush(events, (t + count_after, order, "count"))
            heapq.heappush(events, (t + count_after + answer_after, order, "answer"))
        now[0] = round(t + step, 6)
    return total, refused


def steady(rng, t):
    return 0.004, 0.004


def jittery(rng, t):
    # Usually a few ms; now and then 100–700 ms; and between 2 and 3.2 s the server stalls, then answers in a burst.
    if 2.0 <= t < 3.2:
        return 3.2 - t + rng.uniform(0, 0.01), rng.uniform(0, 0.005)
    if rng.random() < 0.05:
        return rng.uniform(0.1, 0.7), rng.uniform(0, 0.2)
    return rng.uniform(0, 0.005), rng.uniform(0, 0.005)


@pytest.mark.parametrize("limit", [30, 1000])
def test_never_over_the_limit_in_any_sliding_second(limit: int) -> None:
    sent, refused = simulate(limit, 6.0, jittery)
    assert refused == 0
    assert sent > limit * 3


@pytest.mark.parametrize("limit", [30, 1000])
def test_reaches_the_limit_less_the_round_trip(limit: int) -> None:
    seconds = 5.0
    sent, refused = simulate(limit, seconds, steady)
    assert refused == 0
    # Each call holds its place in the window for 1 s + 8 ms round trip + the margin (+ the 1 ms steps here).
    expected = limit / (WINDOW + 0.008 + MARGIN + 0.001)
    assert sent >= 0.98 * expected * (seconds - 1) + limit * 0.9


def test_a_chat_gets_one_call_per_interval_counted_from_the_answer() -> None:
    chats = ChatSpacing(1.0)
    assert chats.ready(7, 0.0)
    chats.started(7)
    assert not chats.ready(7, 0.5)  # under way
    chats.answered(7, 0.6)
    assert not chats.ready(7, 1.5) and chats.ready(7, 1.6 + MARGIN)
    assert chats.ready(8, 0.6)


def test_hold_restarts_the_schedule_empty() -> None:
    now = [10.0]
    pacer = Pacer(30, burst=5, clock=lambda: now[0])
    now[0] = 11.0
    assert pacer.available() == 5  # a quiet second saved up a burst …
    pacer.hold(12.0)
    assert pacer.available() == 0 and pacer.wait() == pytest.approx(1.0)
    now[0] = 12.0
    assert pacer.available() == 1  # … which the pause does not keep
