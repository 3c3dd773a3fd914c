"""Benchmark of the opinion groups (``api/scoring/opinion_groups``) next to red-dwarf on the same votes.

Run from the repository root:  ``python bench/bench_groups.py``  (a few minutes on 2 cores).

First, on the real Polis conversations of ``../shared/data/polis`` (``--polis DIR``; skipped when missing), both
methods against the groups Polis published: number of groups, share of Polis's clustered participants in the
matching group (Hungarian matching; those left unclustered count as wrong), seconds.
Options: ``--participants 10000 --statements 1000 --votes 1000000 --groups 3`` (the default size);
``--reddwarf PATH`` adds a folder holding red-dwarf and what it pulls in (``pip install --target PATH red-dwarf``)
when it is not installed: viche does not depend on it.

Synthetic votes with a planted structure: each participant belongs to one of ``--groups`` camps, each camp has
its own probabilities of agree / disagree / pass per statement, and each participant votes on a random number of
random statements (between a fifth and twice the mean), so many are sparse voters. Each method runs in a fresh
child process: wall time, peak resident memory (ru_maxrss) and its growth over the process after the votes were
made, the number of groups found and the share of clustered participants in their planted camp (Hungarian
matching). Anchor: Polis's own Clojure math took 11 s for 226 000 votes.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.scoring.opinion_groups import agreement, build_matrix, opinion_groups  # noqa: E402


def planted_votes(
    participants: int,
    statements: int,
    votes: int,
    groups: int = 3,
    seed: int = 1,
) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    """(participant, statement, vote) rows and each participant's planted camp."""
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, groups, participants)
    # Per camp and statement: a leaning in [-1, 1]; agree / disagree / pass probabilities follow from it.
    leaning = rng.uniform(-1, 1, (groups, statements))
    p_pass = 0.15
    p_agree = (1 - p_pass) * (1 + leaning) / 2
    mean = votes / participants
    counts = np.clip(rng.integers(int(mean / 5), int(2 * mean) + 1, participants), 1, statements)
    counts = np.minimum(counts, statements)
    rows: list[tuple[int, int, int]] = []
    for person in range(participants):
        chosen = rng.choice(statements, counts[person], replace=False)
        draw = rng.random(len(chosen))
        pa = p_agree[camp[person], chosen]
        vote = np.where(draw < pa, 1, np.where(draw < pa + p_pass, 0, -1))
        rows.extend(zip([person] * len(chosen), chosen.tolist(), vote.tolist()))
    return rows, camp


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _score(found: dict, camp: np.ndarray) -> float:
    """Share of the clustered participants in the group that matches their planted camp."""
    people = sorted(found)
    return agreement(np.array([found[p] for p in people]), camp[people]) if people else 0.0


def job_ours(args: argparse.Namespace) -> dict:
    votes, camp = planted_votes(args.participants, args.statements, args.votes, args.groups)
    before = _maxrss_mb()
    started = time.perf_counter()
    matrix = build_matrix(votes, statements=range(args.statements))
    built = time.perf_counter() - started
    result = opinion_groups(matrix)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "build_seconds": built,
        "groups_seconds": result.seconds,
        "k": result.k,
        "clustered": len(result.groups),
        "agreement": _score(result.groups, camp),
        "votes": len(votes),
        "peak_mb": _maxrss_mb(),
        "growth_mb": _maxrss_mb() - before,
    }


def job_reddwarf(args: argparse.Namespace) -> dict:
    if args.reddwarf:
        sys.path.append(args.reddwarf)
    try:
        from reddwarf.implementations.polis import run_pipeline
    except ImportError:
        return {"skipped": "red-dwarf is not installed (pip install --target DIR red-dwarf; --reddwarf DIR)"}
    votes, camp = planted_votes(args.participants, args.statements, args.votes, args.groups)
    before = _maxrss_mb()
    started = time.perf_counter()
    rows = [{"participant_id": p, "statement_id": s, "vote": v, "modified": i} for i, (p, s, v) in enumerate(votes)]
    result = run_pipeline(votes=rows, random_state=0)
    seconds = time.perf_counter() - started
    labels = result.participants_df["cluster_id"].dropna()
    found = {int(p): int(g) for p, g in labels.items()}
    return {
        "seconds": seconds,
        "k": len(set(found.values())),
        "clustered": len(found),
        "agreement": _score(found, camp),
        "votes": len(votes),
        "peak_mb": _maxrss_mb(),
        "growth_mb": _maxrss_mb() - before,
    }


def _polis_conversation(folder: Path) -> tuple[list[tuple[str, str, int]], list[str], set[str], dict[str, int]]:
    with (folder / "participants-votes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (folder / "comments.csv").open(encoding="utf-8") as handle:
        comments = list(csv.DictReader(handle))
    votes = [(r["participant"], c, int(v)) for r in rows for c, v in r.items() if c.isdigit() and v != ""]
    return (
        votes,
        [r["comment-id"] for r in comments],
        {r["comment-id"] for r in comments if r["moderated"] == "-1"},
        {r["participant"]: int(r["group-id"]) for r in rows if r["group-id"] != ""},
    )


def _against_polis(found: dict[str, int], polis: dict[str, int]) -> float:
    both = [p for p in polis if p in found]
    ours, theirs = np.array([found[p] for p in both]), np.array([polis[p] for p in both])
    return agreement(ours, theirs) * len(both) / len(polis)


def job_polis(args: argparse.Namespace) -> dict:
    """Both methods on each real conversation, against Polis's own groups."""
    if args.reddwarf:
        sys.path.append(args.reddwarf)
    try:
        from reddwarf.implementations.polis import run_pipeline
    except ImportError:
        run_pipeline = None
    out = {}
    for folder in sorted(Path(args.polis).iterdir()):
        if not (folder / "participants-votes.csv").is_file():
            continue
        votes, statements, moderated, polis = _polis_conversation(folder)
        started = time.perf_counter()
        result = opinion_groups(build_matrix(votes, statements=statements, moderated_out=moderated))
        rows = {
            "polis": [len(set(polis.values())), len(polis)],
            "ours": [result.k, _against_polis(result.groups, polis), time.perf_counter() - started],
        }
        if run_pipeline:
            started = time.perf_counter()
            found = run_pipeline(
                votes=[
                    {"participant_id": int(p), "statement_id": int(c), "vote": v, "modified": i}
                    for i, (p, c, v) in enumerate(votes)
                ],
                mod_out_statement_ids=[int(c) for c in moderated],
                random_state=0,
            )
            labels = {str(p): int(g) for p, g in found.participants_df["cluster_id"].dropna().items()}
            rows["reddwarf"] = [len(set(labels.values())), _against_polis(labels, polis), time.perf_counter() - started]
        out[folder.name] = rows
    return out


JOBS = {"ours": job_ours, "reddwarf": job_reddwarf, "polis": job_polis}


def run_child(job: str, args: argparse.Namespace) -> dict:
    command = [
        sys.executable,
        __file__,
        "--job",
        job,
        "--participants",
        str(args.participants),
        "--statements",
        str(args.statements),
        "--votes",
        str(args.votes),
        "--groups",
        str(args.groups),
    ]
    if args.reddwarf:
        command += ["--reddwarf", args.reddwarf]
    if args.polis:
        command += ["--polis", args.polis]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    if proc.returncode != 0:
        return {
            "skipped": f"failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}"
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=1_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--reddwarf", help="a folder holding red-dwarf, when it is not installed")
    parser.add_argument("--timeout", type=float, default=1800)
    default_polis = ROOT.parent / "shared" / "data" / "polis"
    parser.add_argument(
        "--polis",
        default=str(default_polis) if default_polis.is_dir() else None,
        help="the folder of real Polis conversations (default: ../shared/data/polis)",
    )
    parser.add_argument("--job", choices=sorted(JOBS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        print(json.dumps(JOBS[args.job](args)))
        return
    if args.polis:
        print(
            f"real Polis conversations ({args.polis}): groups, share of Polis's clustered participants in the "
            "matching group, seconds"
        )
        for name, rows in run_child("polis", args).items():
            k, clustered = rows["polis"]
            print(f"   {name}: Polis {k} groups, {clustered} clustered")
            for method, label in (("ours", "viche (scikit-learn)"), ("reddwarf", "red-dwarf")):
                if method in rows:
                    found, share, seconds = rows[method]
                    print(f"      {label:<22}{found} groups {share:>7.1%} {seconds:>6.2f} s")
    print(
        f"opinion groups: {args.participants} participants × {args.statements} statements, ~{args.votes} votes, "
        f"{args.groups} planted camps (each method in a fresh process)"
    )
    print(f"   {'method':<34}{'seconds':>9}{'peak MB':>9}{'growth MB':>11}{'k':>4}{'clustered':>11}{'agreement':>11}")
    for job, name in (("ours", "viche (scikit-learn, Polis's math)"), ("reddwarf", "red-dwarf run_pipeline")):
        res = run_child(job, args)
        if "skipped" in res:
            print(f"   {name:<34}skipped: {res['skipped']}")
            continue
        print(
            f"   {name:<34}{res['seconds']:>9.1f}{res['peak_mb']:>9.0f}{res['growth_mb']:>11.0f}{res['k']:>4}"
            f"{res['clustered']:>11}{res['agreement']:>10.1%}"
        )
        if job == "ours":
            print(
                f"   {'':<34}(matrix {res['build_seconds']:.1f} s, groups {res['groups_seconds']:.1f} s; "
                f"{res['votes']} votes)"
            )


if __name__ == "__main__":
    main()
