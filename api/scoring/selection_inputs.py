"""Normalise what the backend hands to ``choose()``: the random source and the participant's history.

Why: the backend may keep a participant's history as a set (fast, in memory)
or answer from elsewhere with a predicate; tests want a seeded generator,
production wants none.  The selectors call these adapters once per request
and then only use plain Python calls in their loops.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Set

import numpy as np

RandomLike = random.Random | np.random.Generator | int | None
"""``random.Random`` (used as is), ``numpy.random.Generator`` (seeds a
``random.Random`` from it, so results are reproducible), an int seed, or None
(fresh OS entropy)."""

SeenPairs = Callable[[int, int], bool] | Set[frozenset[int]] | None
"""Pairs already shown to the participant: a predicate ``seen(low, high)``
(always called with ``low < high``) or a set of ``frozenset({a, b})``."""

VotedProposals = Callable[[int], bool] | Collection[int] | None
"""Proposals the participant already voted on: a predicate or a set of ids."""


def as_random(rng: RandomLike) -> random.Random:
    """A ``random.Random`` for the hot loops (scalar draws are ~10× cheaper than numpy's)."""
    if isinstance(rng, random.Random):
        return rng
    if isinstance(rng, np.random.Generator):
        return random.Random(int(rng.integers(0, 2**63 - 1)))
    if rng is None:
        return random.Random()
    if isinstance(rng, (int, np.integer)):
        return random.Random(int(rng))
    raise TypeError(f"unsupported random source: {type(rng).__name__}")


def pair_seen_predicate(seen: SeenPairs) -> Callable[[int, int], bool]:
    """``f(a, b) -> bool`` for proposal ids, order-insensitive."""
    if seen is None:
        return lambda a, b: False
    if callable(seen):
        predicate = seen
        return lambda a, b: bool(predicate(a, b) if a < b else predicate(b, a))
    if isinstance(seen, Set):
        pairs = seen
        return lambda a, b: frozenset((a, b)) in pairs
    raise TypeError("seen must be a predicate, a set of frozensets, or None")


def voted_predicate(voted: VotedProposals) -> Callable[[int], bool]:
    """``f(pid) -> bool``."""
    if voted is None:
        return lambda pid: False
    if callable(voted):
        predicate = voted
        return lambda pid: bool(predicate(pid))
    if isinstance(voted, Collection):
        ids = voted if isinstance(voted, Set) else frozenset(voted)
        return lambda pid: pid in ids
    raise TypeError("voted must be a predicate, a collection of ids, or None")
