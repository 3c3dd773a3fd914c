"""Results table of a pairs item: Bradley–Terry probability, interval, and the All Our Ideas score.

Why a separate step: the results page is computed from DB aggregates
(``GROUP BY winner, loser``) and must not depend on a live selector; the
selector reuses the same function for its own ``results()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .aoi import aoi_score
from .bradley_terry import PRIOR_STRENGTH, BradleyTerryFit, fit_bradley_terry


@dataclass(frozen=True)
class PairRanking:
    """One row of a pairs item's results, best first."""

    proposal_id: int
    rank: int
    """1 = best (ordered by ``p_beat``)."""
    p_beat: float
    """Probability of beating a randomly chosen other proposal (0..1)."""
    p_low: float
    p_high: float
    theta: float
    """Bradley–Terry log-strength, mean-centred."""
    wins: int
    losses: int
    aoi_score: float
    """All Our Ideas' score 100·(W+1)/(W+L+2), for comparison."""


def map_ids_to_indices(proposal_ids: Sequence[int], ids: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ``id -> position in proposal_ids``; returns ``(indices, known_mask)``."""
    pid_arr = np.asarray(list(proposal_ids), dtype=np.int64)
    query = np.asarray(ids, dtype=np.int64).ravel()
    if pid_arr.size == 0:
        return np.zeros(query.size, dtype=np.intp), np.zeros(query.size, dtype=bool)
    order = np.argsort(pid_arr, kind="stable")
    sorted_ids = pid_arr[order]
    pos = np.clip(np.searchsorted(sorted_ids, query), 0, sorted_ids.size - 1)
    known = sorted_ids[pos] == query
    return order[pos].astype(np.intp), known


def rankings_from_fit(proposal_ids: Sequence[int], fit: BradleyTerryFit) -> list[PairRanking]:
    """Turn a fit over ``proposal_ids`` (same order) into result rows, best first."""
    rows: list[PairRanking] = []
    for rank, i in enumerate(fit.ranking().tolist(), start=1):
        wins, losses = int(round(fit.wins[i])), int(round(fit.losses[i]))
        rows.append(
            PairRanking(
                proposal_id=int(proposal_ids[i]),
                rank=rank,
                p_beat=float(fit.p_beat[i]),
                p_low=float(fit.p_low[i]),
                p_high=float(fit.p_high[i]),
                theta=float(fit.theta[i]),
                wins=wins,
                losses=losses,
                aoi_score=aoi_score(wins, losses),
            )
        )
    return rows


def rank_pairs(
    proposal_ids: Sequence[int],
    winners: ArrayLike,
    losers: ArrayLike,
    counts: ArrayLike | None = None,
    *,
    prior_strength: float = PRIOR_STRENGTH,
) -> list[PairRanking]:
    """Results of a pairs item from decisive outcomes given as proposal ids.

    ``winners[k]`` beat ``losers[k]`` ``counts[k]`` times.  Outcomes naming a
    proposal not in ``proposal_ids`` (e.g. one removed by moderation) are
    ignored, so the table only ranks the proposals passed in.
    """
    ids = [int(p) for p in proposal_ids]
    if len(set(ids)) != len(ids):
        raise ValueError("proposal_ids must be distinct")
    w_idx, w_known = map_ids_to_indices(ids, winners)
    l_idx, l_known = map_ids_to_indices(ids, losers)
    keep = w_known & l_known
    c = None if counts is None else np.asarray(counts, dtype=float).ravel()[keep]
    fit = fit_bradley_terry(len(ids), w_idx[keep], l_idx[keep], c, prior_strength=prior_strength)
    return rankings_from_fit(ids, fit)
