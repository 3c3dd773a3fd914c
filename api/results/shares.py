"""Share objects: ``{"count": 12, "share": 0.4, "interval": [0.2459, 0.5768]}``, a fraction 0..1 of a base with
its 95 % Wilson interval (``[0, 1]`` when the base is 0), rounded to 4 decimals — one by one, or a column of them
at once (numpy) for the proposal tables."""

from __future__ import annotations

from typing import Any

import numpy as np

from api.scoring import wilson_interval


def rounded(x: float, digits: int = 4) -> float:
    return round(float(x), digits)


def share(count: int, n: int) -> dict[str, Any]:
    low, high = wilson_interval(count, n) if n > 0 else (0.0, 1.0)
    return {"count": int(count), "share": rounded(count / n) if n else 0.0, "interval": [rounded(low), rounded(high)]}


def share_column(count: np.ndarray, base: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[dict[str, Any]]:
    """Share objects of whole columns, with their interval ends already computed (:mod:`api.scoring`)."""
    value = np.round(np.where(base > 0, count / np.where(base > 0, base, 1), 0.0), 4).tolist()
    lows, highs = np.round(low, 4).tolist(), np.round(high, 4).tolist()
    return [
        {"count": c, "share": v, "interval": [lo, hi]}
        for c, v, lo, hi in zip(count.tolist(), value, lows, highs, strict=False)
    ]
