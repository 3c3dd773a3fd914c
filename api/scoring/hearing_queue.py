"""Who is still owed a fair hearing: proposals below a vote quota, fewest first, then oldest.

Why a queue of buckets: a proposal added late must not wait for chance to
bring it up — it goes to the front until it has ``quota`` votes.  Counts only
go up, one at a time, so one min-heap per count (keyed by the slot number, which
is the order of arrival) gives "fewest votes, then oldest" in O(quota + log h)
per look-up with h the number of waiting proposals.  Entries are invalidated
lazily: a slot's entry in bucket ``k`` is live only while the queue records it
at count ``k``.
"""

from __future__ import annotations

import heapq


class HearingQueue:
    """Slots (ints, smaller = older) with a count below ``quota``."""

    __slots__ = ("_bucket_of", "_buckets", "quota")

    def __init__(self, quota: int) -> None:
        if quota < 0:
            raise ValueError("quota must be non-negative")
        self.quota = int(quota)
        self._buckets: list[list[int]] = [[] for _ in range(self.quota)]
        self._bucket_of: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._bucket_of)

    def __contains__(self, slot: int) -> bool:
        return slot in self._bucket_of

    def update(self, slot: int, count: int) -> None:
        """Tell the queue the slot's current count (enters, moves, or leaves the queue)."""
        if count >= self.quota:
            self._bucket_of.pop(slot, None)
            return
        if self._bucket_of.get(slot) == count:
            return
        self._bucket_of[slot] = count
        heapq.heappush(self._buckets[count], slot)

    def discard(self, slot: int) -> None:
        self._bucket_of.pop(slot, None)

    def peek(self, limit: int) -> list[int]:
        """Up to ``limit`` waiting slots, fewest votes first then oldest; the queue is unchanged.

        Cost O(quota + limit · log h) plus the lazy removal of stale entries
        (each entry is removed at most once).
        """
        found: list[int] = []
        if not self._bucket_of or limit <= 0:
            return found
        bucket_of = self._bucket_of
        for count, heap in enumerate(self._buckets):
            popped: list[int] = []
            while heap and len(found) < limit:
                slot = heapq.heappop(heap)
                if bucket_of.get(slot) != count or (popped and popped[-1] == slot):
                    continue  # stale or duplicate entry
                popped.append(slot)
                found.append(slot)
            for slot in popped:
                heapq.heappush(heap, slot)
            if len(found) >= limit:
                break
        return found
