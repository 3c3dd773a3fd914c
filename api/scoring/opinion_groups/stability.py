"""Groups that do not flicker: the number of groups changes only after the new k has been the best several
updates in a row (Polis's group-k smoother, buffer 4), and group labels follow the previous run's labels.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

K_BUFFER = 4


@dataclass(frozen=True)
class KSmoother:
    """What Polis keeps between updates: the last best k, how many updates in a row it was best, the k in use."""

    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None

    def update(self, best_k: int | None, buffer: int = K_BUFFER) -> KSmoother:
        if best_k is None:
            return self
        count = self.last_k_count + 1 if best_k == self.last_k else 1
        smoothed = best_k if count >= buffer or self.smoothed_k is None else self.smoothed_k
        return KSmoother(best_k, count, smoothed)


def matching(ours: np.ndarray, theirs: np.ndarray) -> dict[int, int]:
    """Our label → their label, pairing labels so that the most participants agree (Hungarian matching)."""
    mine, other = np.unique(ours), np.unique(theirs)
    overlap = np.array([[np.count_nonzero((ours == a) & (theirs == b)) for b in other] for a in mine])
    rows, cols = linear_sum_assignment(-overlap)
    return {int(mine[r]): int(other[c]) for r, c in zip(rows, cols, strict=False)}


def agreement(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Share of participants in the same group once labels are matched; 1.0 for nobody."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if not len(ours):
        return 1.0
    pairs = matching(ours, theirs)
    return float(np.mean([pairs.get(int(a)) == b for a, b in zip(ours, theirs, strict=False)]))


def follow_labels(
    groups: Mapping[Hashable, int], previous: Mapping[Hashable, int]
) -> tuple[dict[Hashable, int], float]:
    """The groups relabelled so that each keeps the label of the previous group it overlaps most, and the share of
    participants of both runs who stayed in their group (None of them: 1.0)."""
    common = [p for p in groups if p in previous]
    if not common:
        return dict(groups), 1.0
    ours = np.array([groups[p] for p in common])
    theirs = np.array([previous[p] for p in common])
    pairs = matching(ours, theirs)
    free = iter(sorted(set(range(len(set(groups.values())) + len(pairs))) - set(pairs.values())))
    relabel = {label: pairs[label] if label in pairs else next(free) for label in sorted(set(groups.values()))}
    relabelled = {p: relabel[g] for p, g in groups.items()}
    stayed = float(np.mean([relabelled[p] == previous[p] for p in common]))
    return relabelled, stayed
