"""Benchmark of the participatory-budget counting (``api/scoring/budget``) next to pabutools.

Run from the repository root, in the environment ``make test`` installs (pabutools is in the test extra):
``.venv/bin/python -m bench.bench_pb`` (``--voters``, ``--projects``, ``--seed`` to vary; ``--json``).

A synthetic city-scale approval election, the same for both (built from the seed in each child process):
200 projects costing 20 000–1 000 000 (log-uniform), a budget of a quarter of their total, 100 000 voters
each approving 1–10 projects drawn by popularity (Zipf-like weights 1/rank^0.8, so a few projects gather
tens of thousands of approvals and many a few hundred, as in city data).  The Method of Equal Shares with
cost utilities and no completion (equalshares.net's default utility; pabutools' ``Cost_Sat``), ties by
project id in string order on both sides, exact arithmetic on both sides (our fractions.Fraction, pabutools'
gmpy2 mpq).  Each count runs in a fresh child process: wall time of the count alone (building the election
is timed apart) and the growth of peak resident memory (ru_maxrss) during the count.  The outcomes are
compared: the run fails if they differ.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def instance(seed: int, n_projects: int, n_voters: int) -> tuple[int, dict[str, int], list[list[str]]]:
    rng = random.Random(seed)
    costs = {f"p{i:03d}": int(math.exp(rng.uniform(math.log(20_000), math.log(1_000_000)))) for i in range(n_projects)}
    ids = list(costs)
    popularity = list(ids)
    rng.shuffle(popularity)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(n_projects)]
    ballots = []
    for _ in range(n_voters):
        k = rng.randint(1, 10)
        chosen: set[str] = set()
        while len(chosen) < k:
            chosen.update(rng.choices(popularity, weights=weights, k=k - len(chosen)))
        ballots.append(sorted(chosen))
    return sum(costs.values()) // 4, costs, ballots


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def child(which: str, seed: int, n_projects: int, n_voters: int) -> dict:
    t0 = time.perf_counter()
    budget, costs, ballots = instance(seed, n_projects, n_voters)
    if which == "viche":
        from api.scoring.budget import Election, Project
        from api.scoring.budget.equal_shares import equal_shares

        election = Election(
            budget, tuple(Project(pid, c) for pid, c in costs.items()), tuple(dict.fromkeys(b, 1) for b in ballots)
        )

        def run():
            return equal_shares(election, completion=None)
    else:
        from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
        from pabutools.rules import method_of_equal_shares

        projects = {pid: Project(pid, c) for pid, c in costs.items()}
        inst = Instance(projects.values(), budget_limit=budget)
        profile = ApprovalProfile([ApprovalBallot(projects[pid] for pid in b) for b in ballots], instance=inst)

        def run():
            return [p.name for p in method_of_equal_shares(inst, profile, sat_class=Cost_Sat)]

    built = time.perf_counter() - t0
    rss_before = _maxrss_mb()
    t1 = time.perf_counter()
    outcome = run()
    seconds = time.perf_counter() - t1
    return {
        "which": which,
        "build_s": round(built, 2),
        "count_s": round(seconds, 2),
        "peak_rss_growth_mb": round(_maxrss_mb() - rss_before, 1),
        "peak_rss_mb": round(_maxrss_mb(), 1),
        "funded": sorted(outcome),
        "spent": sum(costs[p] for p in outcome),
        "budget": budget,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["viche", "pabutools"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.seed, args.projects, args.voters)))
        return
    results = {}
    for which in ("viche", "pabutools"):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.bench_pb",
                "--child",
                which,
                "--seed",
                str(args.seed),
                "--projects",
                str(args.projects),
                "--voters",
                str(args.voters),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        results[which] = json.loads(out.stdout.strip().splitlines()[-1])
    same = results["viche"]["funded"] == results["pabutools"]["funded"]
    report = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg()[0],
        "voters": args.voters,
        "projects": args.projects,
        "seed": args.seed,
        "same_outcome": same,
        **{k: {x: v for x, v in r.items() if x != "funded"} for k, r in results.items()},
        "funded": len(results["viche"]["funded"]),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for which in ("viche", "pabutools"):
            r = results[which]
            print(
                f"{which:10s} count {r['count_s']:8.2f} s  (building {r['build_s']:.2f} s)  "
                f"peak RSS +{r['peak_rss_growth_mb']:.1f} MB (of {r['peak_rss_mb']:.0f} MB)  "
                f"{len(r['funded'])} funded, {r['spent']} of {r['budget']}"
            )
        print(f"same outcome: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
