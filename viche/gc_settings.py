"""The garbage collector of a long-running bot process.

CPython's full collection walks every object the process holds. After start-up most of them are the imported
libraries and what they built (aiogram's and pydantic's models, SQLAlchemy, FastAPI, Babel's locale data) and
live as long as the process: in the end-to-end benchmark (BENCHMARKS.md) a full collection took ~200 ms and
came dozens of times a minute under load, a pause shared by every update waiting meanwhile (p99 at 100 updates/s
~310 ms). ``gc.freeze()`` takes what start-up left out of the collector's reach, and a larger first threshold
makes collections rarer; cyclic garbage is still collected (p99 67 ms, peak memory +8 MiB).
"""

from __future__ import annotations

import gc

THRESHOLDS = (10_000, 20, 20)
"""Allocations before a young collection (CPython's default: 700), and the older generations' ratios (10, 10)."""


def settle_after_start() -> None:
    """Call once the process has started (imports done, app, bot and dispatcher built)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
