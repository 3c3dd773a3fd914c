"""Confidence intervals for shares ("what fraction of voters agree?").

Why Wilson and not the textbook ``p ± z·sqrt(p(1-p)/n)``: the textbook (Wald)
interval collapses to zero width at 0 % or 100 % and spills outside [0, 1] for
small samples, which is exactly the situation of a freshly added proposal with
three votes.  The Wilson score interval stays inside [0, 1], is honest about
small samples, and is cheap.  At ``n == 0`` we know nothing, so the interval is
the whole range ``(0, 1)``.

Every interval contains its share ``successes / n``, by construction: the Wilson
interval does mathematically, and the bounds are widened to the share where
floating point would put them a hair inside it (``0`` of ``3`` gave a lower bound
of 5.6e-17, ``10`` of ``10`` an upper bound of 0.9999999999999999).

``successes`` may be fractional: :mod:`api.scoring.proposals` feeds it a sum of
per-vote values in [0, 1].  For such data the Bernoulli variance ``p(1-p)`` is
an upper bound of the true variance, so the interval is conservative (never
narrower than it should be).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

Z95: float = 1.959963984540054
"""Two-sided 95 % normal quantile."""


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval ``(low, high)`` for ``successes`` out of ``n``.

    Returns ``(0.0, 1.0)`` when ``n <= 0`` (no information).

    >>> tuple(round(x, 4) for x in wilson_interval(8, 10))
    (0.4902, 0.9433)
    """
    if n <= 0:
        return (0.0, 1.0)
    if successes < 0 or successes > n:
        raise ValueError(f"successes must be within [0, n]: got {successes} of {n}")
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def wilson_lower_bound(successes: float, n: float, z: float = Z95) -> float:
    """Lower end of :func:`wilson_interval` (0.0 when ``n <= 0``)."""
    return wilson_interval(successes, n, z)[0]


def wilson_width(successes: float, n: float, z: float = Z95) -> float:
    """Width of :func:`wilson_interval`; 1.0 when ``n <= 0``.

    Used by the selectors as "how much would another vote teach us".
    """
    low, high = wilson_interval(successes, n, z)
    return high - low


def wilson_intervals(
    successes: ArrayLike, n: ArrayLike, z: float = Z95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised :func:`wilson_interval`: arrays ``(low, high)``; ``(0, 1)`` where ``n <= 0``."""
    s = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    s, m = np.broadcast_arrays(s, m)
    if np.any((s < 0) | (s > np.maximum(m, 0))):
        raise ValueError("successes must be within [0, n]")
    empty = m <= 0
    safe_n = np.where(empty, 1.0, m)
    p = s / safe_n
    z2 = z * z
    denom = 1.0 + z2 / safe_n
    centre = (p + z2 / (2.0 * safe_n)) / denom
    half = z * np.sqrt(p * (1.0 - p) / safe_n + z2 / (4.0 * safe_n * safe_n)) / denom
    low = np.where(empty, 0.0, np.maximum(0.0, np.minimum(p, centre - half)))
    high = np.where(empty, 1.0, np.minimum(1.0, np.maximum(p, centre + half)))
    return low, high
