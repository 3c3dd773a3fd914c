"""All Our Ideas' published score, kept for comparison and familiarity.

All Our Ideas shows, for each idea, "the estimated chance that it would win
against a randomly chosen idea", computed as ``100 · (W + 1) / (W + L + 2)``
(wins and losses with one virtual win and one virtual loss, i.e. Laplace's rule
of succession).  It is easy to explain but ignores *whom* an idea beat: three
wins against the weakest ideas score like three wins against the strongest.
viche ranks by the Bradley–Terry probability of :mod:`api.scoring.bradley_terry`
(same meaning, corrected for opponent strength) and reports this score next to
it so organisers used to All Our Ideas recognise the numbers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def aoi_score(wins: int, losses: int) -> float:
    """All Our Ideas score in [0, 100]: ``100 · (wins + 1) / (wins + losses + 2)``.

    >>> aoi_score(0, 0), aoi_score(3, 1)
    (50.0, 66.66666666666667)
    """
    if wins < 0 or losses < 0:
        raise ValueError("wins and losses must be non-negative")
    return 100.0 * (wins + 1) / (wins + losses + 2)


def aoi_scores(wins: ArrayLike, losses: ArrayLike) -> NDArray[np.float64]:
    """Vectorised :func:`aoi_score`."""
    w = np.asarray(wins, dtype=float)
    lo = np.asarray(losses, dtype=float)
    if np.any(w < 0) or np.any(lo < 0):
        raise ValueError("wins and losses must be non-negative")
    scores: NDArray[np.float64] = 100.0 * (w + 1.0) / (w + lo + 2.0)
    return scores
