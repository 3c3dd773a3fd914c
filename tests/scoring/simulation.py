"""Simulated participants for the selection tests: Bradley–Terry voters with known strengths."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import numpy as np

from api.scoring import PairSelector


def bt_vote(theta: np.ndarray, a: int, b: int, rnd: random.Random) -> tuple[int, int]:
    """(winner, loser) drawn from the Bradley–Terry model with true strengths ``theta``."""
    p = 1.0 / (1.0 + math.exp(-(theta[a] - theta[b])))
    return (a, b) if rnd.random() < p else (b, a)


def run_participants(
    selector: PairSelector,
    theta: np.ndarray,
    votes: int,
    rnd: random.Random,
    *,
    per_participant: int = 25,
    chooser: Callable[[set, random.Random], tuple[int, int] | None] | None = None,
) -> tuple[list[int], list[int]]:
    """Participants of ``per_participant`` decisive votes each until ``votes`` votes; returns (winners, losers).

    ``chooser`` replaces the selector's choice (e.g. uniform pairs, as All Our
    Ideas does); the selector still records every vote.
    """
    winners: list[int] = []
    losers: list[int] = []
    choose = chooser or (lambda seen, r: selector.choose(seen, r))
    while len(winners) < votes:
        seen: set[frozenset[int]] = set()
        for _ in range(per_participant):
            pair = choose(seen, rnd)
            assert pair is not None
            seen.add(frozenset(pair))
            selector.record_served(*pair)
            w, lo = bt_vote(theta, pair[0], pair[1], rnd)
            selector.record(w, lo)
            winners.append(w)
            losers.append(lo)
            if len(winners) >= votes:
                break
    return winners, losers
