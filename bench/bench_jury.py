"""Benchmark of a jury's draw (``api/scoring/sortition``: leximin over volunteer types on HiGHS), next to
sortition-algorithms' own maximin (one integer programme per volunteer) on a pool it can solve, in the same run.

Run from the repository root:  ``.venv/bin/python -m bench.bench_jury [--volunteers 10000 --size 100]``.

A synthetic pool skewed against the targets, 4 categories (age band 3 values, gender 2, district 4, language
at home 3: at most 72 types), quotas that ask for a balanced panel. Each draw runs in a process of its own, so
that its peak resident memory (ru_maxrss) is its own: printed with its growth over the pool's creation. Time is
wall time and the process's CPU time (the steadier figure on a shared machine). For the
reference size, both the library and viche draw from the same pool, and the smallest chances are compared (the
library's maximin, which is unique; the rest of its vector is one maximin vector of many).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.scoring.sortition import draw  # noqa: E402
from api.scoring.sortition.quotas import Quotas, quotas_from  # noqa: E402

CATEGORIES = {
    "age_band": {"16-24": 0.5, "25-44": 0.35, "45+": 0.15},
    "gender": {"woman": 0.35, "man": 0.65},
    "district": {"north": 0.4, "east": 0.3, "south": 0.2, "west": 0.1},
    "language": {"uk": 0.6, "ru": 0.3, "en": 0.1},
}


def pool_of(volunteers: int, seed: int) -> dict[str, dict[str, str]]:
    rng = random.Random(seed)
    return {
        f"v{n}": {name: rng.choices(list(shares), list(shares.values()))[0] for name, shares in CATEGORIES.items()}
        for n in range(volunteers)
    }


def balanced_quotas(size: int) -> Quotas:
    """Each value's share of the panel even across its category, give or take a tenth of the panel."""
    categories = {}
    for name, shares in CATEGORIES.items():
        even = size / len(shares)
        slack = max(1, size // 10)
        categories[name] = {
            value: {"min": max(0, int(even) - slack), "max": min(size, int(even) + 1 + slack)} for value in shares
        }
    return quotas_from({"size": size, "categories": categories})


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _library_chances(pool: dict[str, dict[str, str]], quotas: Quotas) -> dict[str, float]:
    from tests.jury.reference import library_maximin  # the tests' reference: the library's own maximin

    return library_maximin(pool, quotas)


def measure(who: str, volunteers: int, size: int, seed: int) -> dict[str, Any]:
    """One draw in this process: wall time, peak RSS and its growth, the chances' range."""
    pool = pool_of(volunteers, seed)
    quotas = balanced_quotas(size)
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    if who == "library":
        chances, panels, algorithm = _library_chances(pool, quotas), 0, "maximin (sortition-algorithms 0.12.15)"
    else:
        result = draw(pool, quotas, seed)
        chances, panels, algorithm = result.probabilities, result.panels, result.algorithm
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = rss_mb()
    return {
        "who": algorithm,
        "volunteers": volunteers,
        "size": size,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mb": peak,
        "growth_mb": peak - before,
        "types": len({tuple(answers.values()) for answers in pool.values()}),
        "panels": panels,
        "lowest": min(chances.values()),
        "highest": max(chances.values()),
    }


def _in_child(who: str, volunteers: int, size: int, seed: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.bench_jury", "--child", who, "--volunteers", str(volunteers)]
    command += ["--size", str(size), "--seed", str(seed)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))[7:])


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['who']:<40} {row['volunteers']:>6} -> {row['size']:<4} {row['types']:>3} types "
        f"{row['seconds']:>6.1f} s (CPU {row['cpu_seconds']:>5.1f} s)  "
        f"peak RSS {row['peak_mb']:>4.0f} MB (+{row['growth_mb']:.0f})  "
        f"chances {row['lowest']:.6f}..{row['highest']:.6f}"
        + (f"  {row['panels']} compositions" if row["panels"] else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reference-volunteers", type=int, default=100, help="a pool the library can solve")
    parser.add_argument("--reference-size", type=int, default=10)
    parser.add_argument("--child", choices=["library", "viche"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        # On a line of its own: HiGHS prints its banner without a line end.
        print("\nRESULT " + json.dumps(measure(args.child, args.volunteers, args.size, args.seed)))
        return
    small = (args.reference_volunteers, args.reference_size, args.seed)
    theirs, ours = _in_child("library", *small), _in_child("viche", *small)
    print(_line(theirs))
    print(_line(ours))
    print(f"  smallest chances differ by {abs(theirs['lowest'] - ours['lowest']):.1e} (the maximin is unique)")
    print(_line(_in_child("viche", 2_000, args.size, args.seed)))
    print(_line(_in_child("viche", args.volunteers, args.size, args.seed)))


if __name__ == "__main__":
    main()
