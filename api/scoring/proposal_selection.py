"""Which statement to show next in a proposal item (agree / disagree / neutral).

Same spirit as :mod:`api.scoring.pair_selection`:

1. **Fast hearing.**  A proposal with fewer than ``min_votes`` votes is served
   first — fewest votes, then oldest — so a proposal added late reaches a
   readable result quickly instead of drowning in a large pool.
2. **Then uncertainty.**  With probability ``exploration`` a uniformly random
   proposal; otherwise one drawn with probability proportional to the width
   of its widest 95 % Wilson interval (agree share or disagree share), which
   is roughly ``1/sqrt(votes)``: the proposals whose zone and score are least
   settled get the next votes.

Never a proposal the participant already voted on; None when none is left.

Cost: ``choose`` O(log n) per attempt (Fenwick-tree draw) for at most
``max_attempts`` attempts plus a look at the first waiting newcomers;
only if every attempt hits a voted proposal, a scan costing O(proposals this
participant voted on + 1) on average.  ``record`` / ``add_proposal`` /
``remove_proposal``: O(log n).  Not thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from .intervals import wilson_width
from .selection_inputs import RandomLike, VotedProposals, as_random, voted_predicate
from .slot_pool import SlotPool


class Tally(Protocol):
    """Votes on one proposal by choice, e.g. :class:`~api.scoring.proposals.VoteCounts`."""

    @property
    def agree(self) -> int: ...
    @property
    def disagree(self) -> int: ...
    @property
    def neutral(self) -> int: ...


MIN_VOTES: int = 10
"""Votes a statement gets before it competes on uncertainty alone (zones need 10)."""
EXPLORATION: float = 0.1
MAX_ATTEMPTS: int = 24
_NEWCOMER_CANDIDATES: int = 16

CHOICES = ("agree", "disagree", "neutral")


class ProposalSelector(SlotPool):
    """In-memory statement chooser for one proposal item."""

    def __init__(
        self,
        proposal_ids: Iterable[int] = (),
        *,
        min_votes: int = MIN_VOTES,
        max_hearing_exposures: int | None = None,
        exploration: float = EXPLORATION,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        if min_votes < 0:
            raise ValueError("min_votes must be non-negative")
        if not 0.0 <= exploration <= 1.0:
            raise ValueError("exploration must be within [0, 1]")
        self.min_votes = int(min_votes)
        self.max_hearing_exposures = 3 * self.min_votes if max_hearing_exposures is None else int(max_hearing_exposures)
        self.exploration = float(exploration)
        self.max_attempts = int(max_attempts)
        self._init_pool(self.min_votes)
        self._counts: list[list[int]] = []  # [agree, disagree, neutral]
        for pid in proposal_ids:
            self.add_proposal(pid)

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[int, tuple[int, int, int] | Tally],
        *,
        exposures: Mapping[int, int] | None = None,
        **options: Any,
    ) -> ProposalSelector:
        """Rebuild from the database: ``{proposal_id: (agree, disagree, neutral)}``, **oldest first**.

        Any object with ``agree``/``disagree``/``neutral`` attributes (e.g.
        :class:`~api.scoring.proposals.VoteCounts`) is accepted as a value too.
        """
        selector = cls(**options)
        selector._reset_hearing(0)  # filled once the counts are known
        for pid, value in counts.items():
            if isinstance(value, tuple):
                agree, disagree, neutral = value
            else:
                agree, disagree, neutral = value.agree, value.disagree, value.neutral
            selector.add_proposal(pid)
            slot = selector._slot_of[pid]
            selector._counts[slot] = [int(agree), int(disagree), int(neutral)]
            total = int(agree) + int(disagree) + int(neutral)
            served = total if exposures is None else max(total, int(exposures.get(pid, 0)))
            selector._exposures[slot] = served
        selector._reset_hearing(selector.min_votes)
        for slot in selector._active_slots:
            selector._refresh(slot)
        return selector

    def votes(self, pid: int) -> int:
        return sum(self._counts[self._slot_of[pid]])

    def counts(self, pid: int) -> tuple[int, int, int]:
        """``(agree, disagree, neutral)`` recorded for a proposal."""
        a, d, n = self._counts[self._slot_of[pid]]
        return (a, d, n)

    def add_proposal(self, pid: int) -> None:
        """Add a proposal (or bring back a removed one). O(log n)."""
        slot = self._slot_of.get(pid)
        if slot is None:
            slot = self._new_slot(pid)
            self._counts.append([0, 0, 0])
        if not self._active[slot]:
            self._activate(slot)

    def _activate(self, slot: int) -> None:
        super()._activate(slot)
        self._refresh(slot)

    def record_served(self, pid: int) -> None:
        """Count that the statement was shown (a statement everybody skips stops jumping the line)."""
        slot = self._slot_of.get(pid)
        if slot is not None:
            self._exposures[slot] += 1
            self._refresh(slot)

    def record(self, pid: int, choice: str) -> bool:
        """Record a vote (``agree`` / ``disagree`` / ``neutral``); False if the proposal is not live."""
        try:
            column = CHOICES.index(choice)
        except ValueError:
            raise ValueError(f"choice must be one of {CHOICES}, got {choice!r}") from None
        slot = self._slot_of[pid]
        if not self._active[slot]:
            return False
        self._counts[slot][column] += 1
        self._refresh(slot)
        return True

    def _refresh(self, slot: int) -> None:
        agree, disagree, neutral = self._counts[slot]
        n = agree + disagree + neutral
        if not self._active[slot]:
            return
        weight = max(wilson_width(agree, n), wilson_width(disagree, n))
        self._weights.set(slot, weight)
        if n < self.min_votes and self._exposures[slot] < self.max_hearing_exposures:
            self._queue.update(slot, n)
        else:
            self._queue.discard(slot)

    def choose(self, voted: VotedProposals = None, rng: RandomLike = None) -> int | None:
        """Next proposal id for a participant, or None if they voted on every live one."""
        if not self._active_slots:
            return None
        has_voted = voted_predicate(voted)
        pids = self._pids
        rnd = as_random(rng)
        if len(self._queue):
            for slot in self._queue.peek(_NEWCOMER_CANDIDATES):
                if not has_voted(pids[slot]):
                    return pids[slot]
        for _ in range(self.max_attempts):
            drawn, _explored = self._draw_focus(rnd)
            if drawn is not None and self._active[drawn] and not has_voted(pids[drawn]):
                return pids[drawn]
        for slot in self._walk(rnd):
            if not has_voted(pids[slot]):
                return pids[slot]
        return None
