"""Benchmark of a jury's draw (``api/scoring/sortition``: sortition-algorithms' maximin on HiGHS).

Run from the repository root:  ``.venv/bin/python -m bench.bench_jury [--volunteers 10000 --size 100]``.

A synthetic pool skewed against the targets, 4 categories (age band 3 values, gender 2, district 4, language
at home 3), quotas that ask for a balanced panel; prints the wall time of the draw (distribution and panel) and
the process's peak resident memory (ru_maxrss) with its growth over the pool's creation.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pool = pool_of(args.volunteers, args.seed)
    quotas = balanced_quotas(args.size)
    before = rss_mb()
    started = time.perf_counter()
    result = draw(pool, quotas, args.seed)
    seconds = time.perf_counter() - started
    peak = rss_mb()
    chances = result.probabilities.values()
    print(
        f"{args.volunteers} volunteers -> panel of {args.size}, 4 categories: {seconds:.1f} s, "
        f"peak RSS {peak:.0f} MB (+{peak - before:.0f}), {result.panels} panels in the distribution, "
        f"chances {min(chances):.4f}..{max(chances):.4f}, {result.algorithm}"
    )


if __name__ == "__main__":
    main()
