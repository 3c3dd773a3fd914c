"""The machine a benchmark ran on, printed beside its figures: shared machines here drift (load, speed)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any


def machine() -> dict[str, Any]:
    """CPUs, load average, Python, and the speed of the hour (``speed_loop_ms``)."""
    return {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
        "speed_loop_ms": speed_loop_ms(),
    }


def speed_loop_ms() -> float:
    """The machine's speed that hour: the best of five runs of a fixed pure-Python loop (a dict, a string, a sum:
    the kind of work a bot does), in ms. Shared machines here ran at half speed on some days; a run's figures
    are to be read with this beside them (lower is faster; 2026-12-02, a quiet machine: ~37 ms)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        table: dict[str, int] = {}
        total = 0
        for n in range(200_000):
            key = f"k{n % 1000}"
            table[key] = table.get(key, 0) + n
            total += len(key)
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)
