"""Benchmark of viche's results mathematics (``api/scoring``).

Run from the repository root:  ``python bench/bench_scoring.py``  (about a minute on 2 cores).

1. Fitting Bradley–Terry strengths for 1 000 proposals from 1 000 000 pair
   votes: wall time, tracemalloc peak and resident-memory growth, next to
   ``choix.ilsr_pairwise`` on the same votes (if choix is installed; it gets
   a time limit and we report what happens) with the same light
   regularisation (``alpha = PRIOR_STRENGTH / (2 n)``, see
   :mod:`api.scoring.bradley_terry`).  Our time is given with the default
   likelihood-ratio intervals and with ``interval="wald"`` (the selector's refits).  Each fit runs in a fresh child
   process so memory figures do not leak into each other.
2. ``PairSelector.choose`` at 100 and at 10 000 proposals: p50 / p99 over
   20 000 choices, to show that the cost per request does not grow with the
   pool.  ``record`` is timed too (mean includes the periodic refits).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.scoring import PairSelector, fit_bradley_terry  # noqa: E402
from api.scoring.bradley_terry import PRIOR_STRENGTH  # noqa: E402

N_ITEMS = 1_000
N_VOTES = 1_000_000
CHOIX_TIME_LIMIT_S = 60.0
CHOICES = 20_000
CHOIX_ALPHA = PRIOR_STRENGTH / (2 * N_ITEMS)
"""choix's alpha adds α to every pair of its chain: near θ = 0 our prior of strength 2·n·α."""


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def make_votes(n_items: int, n_votes: int, seed: int = 1):
    """Uniformly random pairs judged by Bradley–Terry voters with strengths ~ N(0, 1.5²)."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.5, n_items)
    i = rng.integers(0, n_items, n_votes)
    j = rng.integers(0, n_items - 1, n_votes)
    j = j + (j >= i)
    i_wins = rng.random(n_votes) < 1.0 / (1.0 + np.exp(-(theta[i] - theta[j])))
    return theta, np.where(i_wins, i, j), np.where(i_wins, j, i)


def kendall_tau(x, y) -> float:
    try:
        from scipy.stats import kendalltau
    except ImportError:  # pragma: no cover - scipy is a test dependency
        return float("nan")
    return float(kendalltau(x, y).statistic)


# ---------------------------------------------------------------------------- child jobs
def job_ours(out: str) -> None:
    _theta, winners, losers = make_votes(N_ITEMS, N_VOTES)
    base = _maxrss_mb()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fit = fit_bradley_terry(N_ITEMS, winners, losers)
        times.append(time.perf_counter() - start)
    seconds = min(times)
    wald = []
    for _ in range(3):
        start = time.perf_counter()
        fit_bradley_terry(N_ITEMS, winners, losers, interval="wald")
        wald.append(time.perf_counter() - start)
    rss_delta = _maxrss_mb() - base
    tracemalloc.start()
    fit_bradley_terry(N_ITEMS, winners, losers)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    np.save(out, fit.theta)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "median": float(np.median(times)),
                "rss_delta_mb": rss_delta,
                "tracemalloc_mb": peak,
                "seconds_wald": min(wald),
                "iterations": fit.iterations,
                "converged": fit.converged,
            }
        )
    )


def job_choix(out: str) -> None:
    import choix

    _theta, winners, losers = make_votes(N_ITEMS, N_VOTES)
    data = list(zip(winners.tolist(), losers.tolist()))  # choix's input format (not timed)
    base = _maxrss_mb()
    start = time.perf_counter()
    params = choix.ilsr_pairwise(N_ITEMS, data, alpha=CHOIX_ALPHA)
    seconds = time.perf_counter() - start
    rss_delta = _maxrss_mb() - base
    np.save(out, params)
    print(json.dumps({"seconds": seconds, "rss_delta_mb": rss_delta}))


def run_child(job: str, timeout: float):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "params.npy")
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, __file__, "--job", job, "--out", out],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"stopped after {timeout:.0f} s time limit"}, None
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return {"error": last, "wall": time.perf_counter() - start}, None
        return json.loads(proc.stdout.strip().splitlines()[-1]), np.load(out)


# ---------------------------------------------------------------------------- selector timing
def selector_with(n: int, comparisons_each: int = 40, seed: int = 2) -> tuple[PairSelector, np.ndarray]:
    theta, winners, losers = make_votes(n, n * comparisons_each // 2, seed)
    return PairSelector.from_counts(list(range(n)), winners, losers), theta


def time_choices(selector: PairSelector, theta: np.ndarray, choices: int, seed: int = 3):
    rnd = random.Random(seed)
    choose_ns: list[int] = []
    record_ns: list[int] = []
    seen: set[frozenset[int]] = set()
    for k in range(choices):
        if k % 25 == 0:
            seen = set()  # a new participant
        t0 = time.perf_counter_ns()
        pair = selector.choose(seen, rnd)
        choose_ns.append(time.perf_counter_ns() - t0)
        seen.add(frozenset(pair))
        a, b = pair
        selector.record_served(a, b)
        winner, loser = (a, b) if rnd.random() < 1 / (1 + np.exp(theta[b] - theta[a])) else (b, a)
        t0 = time.perf_counter_ns()
        selector.record(winner, loser)
        record_ns.append(time.perf_counter_ns() - t0)
    c = np.array(choose_ns) / 1000.0
    r = np.array(record_ns) / 1000.0
    return (
        float(np.percentile(c, 50)),
        float(np.percentile(c, 99)),
        float(c.mean()),
        float(np.percentile(r, 50)),
        float(r.mean()),
    )


def main() -> None:
    print(
        f"viche scoring benchmark — Python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    print()
    print(f"1) Bradley–Terry fit: {N_ITEMS:,} proposals from {N_VOTES:,} pair votes (uniform random pairs)")
    truth, _, _ = make_votes(N_ITEMS, 1)  # same seed: the same true strengths
    ours, ours_theta = run_child("ours", timeout=120)
    try:
        import choix  # noqa: F401

        have_choix = True
    except ImportError:
        have_choix = False
    if have_choix:
        theirs, theirs_theta = run_child("choix", timeout=CHOIX_TIME_LIMIT_S)
    else:
        theirs, theirs_theta = {"error": "choix not installed"}, None

    header = f"   {'method':<34}{'seconds':>9}{'tracemalloc MB':>16}{'RSS growth MB':>15}{'tau vs truth':>14}"
    print(header)
    print("   " + "-" * (len(header) - 3))

    def row(name, res, params, traced=True):
        if "error" in res:
            print(f"   {name:<34}{res['error']}")
            return
        tm = f"{res['tracemalloc_mb']:.1f}" if traced and "tracemalloc_mb" in res else "n/a"
        tau = kendall_tau(params, truth) if params is not None else float("nan")
        print(f"   {name:<34}{res['seconds']:>9.2f}{tm:>16}{res['rss_delta_mb']:>15.1f}{tau:>14.4f}")

    row("viche fit_bradley_terry", ours, ours_theta)
    row(f"choix.ilsr_pairwise (alpha={CHOIX_ALPHA:g})", theirs, theirs_theta, traced=False)
    if "iterations" in ours:
        print(
            f"   viche: best of 3 runs (median {ours['median']:.2f} s; {ours['seconds_wald']:.2f} s with Wald "
            f"intervals), prior strength {PRIOR_STRENGTH:g}, {ours['iterations']} Newton steps, "
            f"converged={ours['converged']}; choix: one run"
        )
    if ours_theta is not None and theirs_theta is not None:
        print(f"   tau(viche, choix) = {kendall_tau(ours_theta, theirs_theta):.4f}")
    print(
        "   (tracemalloc is not run on choix: it would slow choix's per-vote Python loop;"
        " RSS growth = ru_maxrss after minus before the fit, in a fresh process)"
    )
    print(f"   dense n×n float matrix for comparison: {N_ITEMS * N_ITEMS * 8 / 2**20:.1f} MB")

    print()
    print(f"2) PairSelector: {CHOICES:,} choices, participants of 25 pairs, ~40 comparisons per proposal")
    header = (
        f"   {'proposals':>10}{'build s':>9}{'choose p50 µs':>15}{'p99 µs':>9}{'mean µs':>9}"
        f"{'record p50 µs':>15}{'record mean µs*':>17}"
    )
    print(header)
    print("   " + "-" * (len(header) - 3))
    for n in (100, 10_000):
        t0 = time.perf_counter()
        selector, theta = selector_with(n)
        build = time.perf_counter() - t0
        p50, p99, mean, r50, rmean = time_choices(selector, theta, CHOICES)
        print(f"   {n:>10,}{build:>9.2f}{p50:>15.1f}{p99:>9.1f}{mean:>9.1f}{r50:>15.1f}{rmean:>17.1f}")
    n = 10_000
    selector, theta = selector_with(n)
    theta = np.concatenate([theta, np.zeros(5)])
    for pid in range(n, n + 5):
        selector.add_proposal(pid)
    p50, p99, mean, r50, rmean = time_choices(selector, theta, 200)
    print(f"   {'10,000 + 5 newcomers waiting (200 choices)':<48} choose p50 {p50:.1f} µs, p99 {p99:.1f} µs")
    print("   * record mean includes the periodic warm-started refits (every ≥ 5 % new votes)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", choices=["ours", "choix"])
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.job == "ours":
        job_ours(args.out)
    elif args.job == "choix":
        job_choix(args.out)
    else:
        main()
