"""What the pair and the statement selectors share: the live pool as slots, and the order of their draws.

A proposal gets a slot when it is first added (slots are never reused, so slot order is the order of
arrival, which the hearing queue uses for "oldest first").  The pool keeps the live slots in a list for
O(1) uniform draws and swap-removals, a Fenwick tree of uncertainty weights (the subclass decides what a
weight is) and the :class:`~api.scoring.hearing_queue.HearingQueue` of proposals still owed a hearing.

Both selectors choose the same way: a newcomer from the front of the hearing queue when one fits, then
up to ``max_attempts`` draws of a focus slot — uniform with probability ``exploration``, otherwise
weighted by uncertainty (:meth:`SlotPool._draw_focus`) — and, when every draw hits something the
participant has already seen, a walk over the pool from a random start (:meth:`SlotPool._walk`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from .hearing_queue import HearingQueue
from .weighted_sampler import WeightedSampler


class SlotPool:
    """Slot bookkeeping of a selector. Subclasses call :meth:`_init_pool` and implement :meth:`_activate`."""

    exploration: float
    max_attempts: int

    def _init_pool(self, quota: int) -> None:
        self._pids: list[int] = []
        self._slot_of: dict[int, int] = {}
        self._active: list[bool] = []
        self._exposures: list[int] = []
        self._active_slots: list[int] = []
        self._active_pos: dict[int, int] = {}
        self._weights = WeightedSampler()
        self._queue = HearingQueue(quota)

    def _reset_hearing(self, quota: int) -> None:
        """An empty hearing queue (``from_counts`` refills it once the counts are known)."""
        self._queue = HearingQueue(quota)

    # ------------------------------------------------------------------ pool
    def __len__(self) -> int:
        return len(self._active_slots)

    def __contains__(self, pid: object) -> bool:
        slot = self._slot_of.get(pid)  # type: ignore[call-overload]
        return slot is not None and self._active[slot]

    @property
    def proposal_ids(self) -> list[int]:
        """Live proposals, oldest first."""
        return [self._pids[s] for s in sorted(self._active_slots)]

    def exposures(self, pid: int) -> int:
        """Times a proposal was served (see ``record_served``)."""
        return self._exposures[self._slot_of[pid]]

    def _new_slot(self, pid: int) -> int:
        """A slot for a proposal never seen before (inactive; the subclass appends its own per-slot data)."""
        slot = len(self._pids)
        self._pids.append(pid)
        self._slot_of[pid] = slot
        self._active.append(False)
        self._exposures.append(0)
        return slot

    def _activate(self, slot: int) -> None:
        """Make an inactive slot live; subclasses extend it to set its weight and hearing."""
        self._active[slot] = True
        self._active_pos[slot] = len(self._active_slots)
        self._active_slots.append(slot)

    def remove_proposal(self, pid: int) -> bool:
        """Stop serving a proposal (e.g. rejected by moderation). O(log n). False if it was not live."""
        slot = self._slot_of.get(pid)
        if slot is None or not self._active[slot]:
            return False
        self._active[slot] = False
        pos = self._active_pos.pop(slot)
        last = self._active_slots.pop()
        if last != slot:
            self._active_slots[pos] = last
            self._active_pos[last] = pos
        self._weights.set(slot, 0.0)
        self._queue.discard(slot)
        return True

    # ------------------------------------------------------------------ draws
    def _uniform(self, rnd: random.Random) -> int:
        active = self._active_slots
        return active[int(rnd.random() * len(active))]

    def _draw_focus(self, rnd: random.Random) -> tuple[int | None, bool]:
        """``(slot, explored)``: uniform with probability ``exploration``, else by weight (None: all zero)."""
        if rnd.random() < self.exploration:
            return self._uniform(rnd), True
        return self._weights.sample(rnd.random()), False

    def _walk(self, rnd: random.Random) -> Iterator[int]:
        """Every live slot once, from a random start (the exhaustive fallback)."""
        active = self._active_slots
        k = len(active)
        start = int(rnd.random() * k)
        for i in range(k):
            yield active[(start + i) % k]
