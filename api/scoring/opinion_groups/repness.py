"""What each group thinks: Polis's representativeness with its significance tests, group-informed consensus
and divisiveness, from the votes of the clustered participants and their groups.

Counts per group g and statement: A agree, D disagree, S seen (agree + disagree + pass).
  pa = (A+1)/(S+2), pd = (D+1)/(S+2)                         smoothed shares
  pat, pdt = 2·√(S+1)·((A+1)/(S+1) − ½)                      is the share above one half? (z, one-sided)
  ra = pa / ((A_rest+1)/(S_rest+2)), rd likewise              how much more than the other groups
  rat, rdt = two-proportion z test, group vs the other groups (every count +1)
A statement represents a group when both its tests pass at 90 % (z > 1.2816) for agree or for disagree; the
group's list puts its best agreed statement first, then up to five by ra·rat·pa·pat, agrees before disagrees.
Group-informed consensus (agree) = Π over groups of (A_g+1)/(S_g+2); disagree likewise: high only when every
group agrees, whatever the groups' sizes. Divisiveness = highest minus lowest group agreement share pa.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

Z90 = 1.2816
PICK = 5


@dataclass(frozen=True)
class GroupCounts:
    agree: np.ndarray  # groups × statements
    disagree: np.ndarray
    seen: np.ndarray


@dataclass(frozen=True)
class Representative:
    statement: Hashable  # the matrix column's index here, its statement id once described
    direction: str  # agree | disagree
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float


def group_counts(values: np.ndarray, labels: np.ndarray, k: int) -> GroupCounts:
    """``values``: clustered participants × statements (NaN: no vote); ``labels``: their groups 0 … k-1."""
    one_hot = np.zeros((k, len(labels)))
    one_hot[labels, np.arange(len(labels))] = 1.0
    return GroupCounts(
        agree=one_hot @ (values == 1), disagree=one_hot @ (values == -1), seen=one_hot @ ~np.isnan(values)
    )


def prop_test(success: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.asarray(2 * np.sqrt(n + 1) * ((success + 1) / (n + 1) - 0.5))


def two_prop_test(succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray) -> np.ndarray:
    succ_in, succ_out, n_in, n_out = succ_in + 1, succ_out + 1, n_in + 1, n_out + 1
    p_hat = (succ_in + succ_out) / (n_in + n_out)
    spread = np.sqrt(p_hat * (1 - p_hat) * (1 / n_in + 1 / n_out))
    z = (succ_in / n_in - succ_out / n_out) / np.where(spread > 0, spread, 1.0)
    return np.where(p_hat >= 1, 0.0, z)


@dataclass(frozen=True)
class GroupStats:
    counts: GroupCounts
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def group_stats(counts: GroupCounts) -> GroupStats:
    a, d, s = counts.agree, counts.disagree, counts.seen
    a_rest, d_rest, s_rest = a.sum(0) - a, d.sum(0) - d, s.sum(0) - s
    pa, pd = (a + 1) / (s + 2), (d + 1) / (s + 2)
    return GroupStats(
        counts,
        pa,
        pd,
        prop_test(a, s),
        prop_test(d, s),
        pa / ((a_rest + 1) / (s_rest + 2)),
        pd / ((d_rest + 1) / (s_rest + 2)),
        two_prop_test(a, a_rest, s, s_rest),
        two_prop_test(d, d_rest, s, s_rest),
    )


def _finalize(st: GroupStats, g: int, j: int) -> Representative:
    c = st.counts
    if st.rat[g, j] > st.rdt[g, j]:
        return Representative(
            j,
            "agree",
            int(c.agree[g, j]),
            int(c.seen[g, j]),
            float(st.pa[g, j]),
            float(st.pat[g, j]),
            float(st.ra[g, j]),
            float(st.rat[g, j]),
        )
    return Representative(
        j,
        "disagree",
        int(c.disagree[g, j]),
        int(c.seen[g, j]),
        float(st.pd[g, j]),
        float(st.pdt[g, j]),
        float(st.rd[g, j]),
        float(st.rdt[g, j]),
    )


def _beats_best_agree(st: GroupStats, g: int, j: int, best: int | None) -> bool:
    c = st.counts
    if c.agree[g, j] == 0 and c.disagree[g, j] == 0:
        return False
    if best is not None and st.ra[g, best] > 1.0:
        return bool(
            st.ra[g, j] * st.rat[g, j] * st.pa[g, j] * st.pat[g, j]
            > st.ra[g, best] * st.rat[g, best] * st.pa[g, best] * st.pat[g, best]
        )
    if best is not None:
        return bool(st.pa[g, j] * st.pat[g, j] > st.pa[g, best] * st.pat[g, best])
    return bool(st.pat[g, j] > Z90 or (st.ra[g, j] > 1.0 and st.pa[g, j] > 0.5))


def representative(
    st: GroupStats, excluded: AbstractSet[int] = frozenset(), pick: int = PICK
) -> list[list[Representative]]:
    """Per group, its representative statements (Polis's select-rep-comments)."""
    k, n = st.pa.shape
    chosen = []
    for g in range(k):
        sufficient, best, best_agree = [], None, None
        for j in range(n):
            if j in excluded:
                continue
            if (st.rat[g, j] > Z90 and st.pat[g, j] > Z90) or (st.rdt[g, j] > Z90 and st.pdt[g, j] > Z90):
                sufficient.append(_finalize(st, g, j))
            if not sufficient and (best is None or max(st.rat[g, j], st.rdt[g, j]) > best.repness_test):
                best = _finalize(st, g, j)
            if _beats_best_agree(st, g, j, best_agree):
                best_agree = j
        head = (
            []
            if best_agree is None
            else [
                Representative(
                    best_agree,
                    "agree",
                    int(st.counts.agree[g, best_agree]),
                    int(st.counts.seen[g, best_agree]),
                    float(st.pa[g, best_agree]),
                    float(st.pat[g, best_agree]),
                    float(st.ra[g, best_agree]),
                    float(st.rat[g, best_agree]),
                )
            ]
        )
        if not sufficient:
            chosen.append(head or ([best] if best else []))
            continue
        rest = sorted(
            (r for r in sufficient if r.statement != best_agree),
            key=lambda r: -(r.repness * r.repness_test * r.p_success * r.p_test),
        )
        top = (head + rest)[:pick]
        chosen.append([r for r in top if r.direction == "agree"] + [r for r in top if r.direction == "disagree"])
    return chosen


def consensus(counts: GroupCounts) -> tuple[np.ndarray, np.ndarray]:
    """Group-informed consensus per statement: (agree, disagree), each Π over groups of (n_g+1)/(S_g+2)."""
    s = counts.seen + 2
    return np.prod((counts.agree + 1) / s, axis=0), np.prod((counts.disagree + 1) / s, axis=0)


def divisiveness(st: GroupStats) -> np.ndarray:
    """Per statement: the gap between the group that agrees most and the one that agrees least (0 … 1)."""
    return np.asarray(st.pa.max(axis=0) - st.pa.min(axis=0))
