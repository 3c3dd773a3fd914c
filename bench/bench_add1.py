"""Benchmark of the Method of Equal Shares' add1 completion where it used to be slow: few voters, a large budget.

Run from the repository root: ``.venv/bin/python -m bench.bench_add1`` (``--plus-one`` also times add1 one unit at a
time, the way it counted before: about a minute; ``--riverside`` also times ``viche report`` of examples/riverside.yaml
with ``equalshares/add1``; ``--json``).

1. **24 voters, a budget of 1 000 000**: 8 projects costing 50 000–400 000, each voter approving 1–4 of them (seed
   24); add1 with cost utilities.  Counts of MES made and CPU time (``time.process_time``: the machine is shared).
2. **The riverside report**: a fresh SQLite database, examples/riverside.yaml uploaded through the organiser API
   with its budget counted by ``equalshares/add1`` alone, launched, 24 participants walked through it as the results
   pages' tests do (``tests/pages/support.simulate``: 12 by poster in Ukrainian, 12 by school in English), then
   ``viche report riverside-2027 --format md`` in a child process: its wall time and CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.scoring.budget import Election, Project  # noqa: E402
from api.scoring.budget import equal_shares as mes  # noqa: E402

SLUG = "riverside-2027"
ADD1_ONLY = "    currency: UAH\n    counting:\n      - rule: equalshares/add1\n"


def few_voters() -> Election:
    rng = random.Random(24)
    costs = {f"p{i}": rng.randint(50_000, 400_000) for i in range(8)}
    ballots = tuple(dict.fromkeys(rng.sample(sorted(costs), rng.randint(1, 4)), 1) for _ in range(24))
    return Election(1_000_000, tuple(Project(pid, c) for pid, c in costs.items()), ballots)


def plus_one(election: Election) -> tuple[list[str], int]:
    """add1 one unit at a time, as it counted before: (outcome, counts)."""
    prepared = mes._Prepared(election, "cost")
    costs, per_voter = prepared.costs, Fraction(election.budget, len(election.ballots))
    outcome, counts = prepared.count(per_voter), 1
    while set(outcome) != prepared.supported:
        per_voter += 1
        bigger, counts = prepared.count(per_voter), counts + 1
        if sum(costs[pid] for pid in bigger) > election.budget:
            break
        outcome = bigger
    return outcome, counts


def timed_add1(election: Election) -> dict:
    from api.scoring.budget import add1

    counts = 0
    original = add1.count_with_steps

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal counts
        counts += 1
        return original(*args, **kwargs)

    add1.count_with_steps = counted
    try:
        t0 = time.process_time()
        outcome = mes.equal_shares(election)
        seconds = time.process_time() - t0
    finally:
        add1.count_with_steps = original
    return {"funded": sorted(outcome), "counts": counts, "cpu_s": round(seconds, 3)}


async def riverside_database(url: str) -> None:
    import httpx

    from api.app import create_app
    from bot.backend import Backend
    from core.settings import Settings
    from storage.db import Database
    from storage.migrate import upgrade
    from tests.conftest import SERVICE_TOKEN, acting_as
    from tests.organiser.support import example_text
    from tests.pages.support import simulate

    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    settings = Settings(database_url=url, service_token=SERVICE_TOKEN, admins=[900001], owners=[900001], _env_file=None)
    app = create_app(settings, db)
    text = example_text().replace("    currency: UAH\n", ADD1_ONLY, 1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        auth=acting_as(900001),
    ) as http:
        answer = await http.post("/organiser/consultations", json={"content": text, "filename": "riverside.yaml"})
        assert answer.status_code == 201, answer.text
        answer = await http.post(f"/organiser/consultations/{SLUG}/status", json={"action": "launch"})
        assert answer.status_code == 200, answer.text
    backend = Backend.in_process(app, SERVICE_TOKEN)
    assert await simulate(backend, SLUG, [("uk", "poster")] * 12 + [("en", "school")] * 12) == 24
    await backend.close()
    await db.dispose()


def riverside_report() -> dict:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/riverside.db"
        asyncio.run(riverside_database(url))
        output = Path(folder) / "report.md"
        env = {**os.environ, "VICHE_DATABASE_URL": url}
        command = [sys.executable, "-m", "viche.cli", "report", SLUG, "--language", "en", "--format", "md"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([*command, "-o", str(output)], cwd=ROOT, env=env, check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        report = output.read_text(encoding="utf-8")
        rules = report.split("every counting rule\n\n")[1].split("\n## ")[0]
        funded = next(line for line in rules.splitlines() if line.startswith("| Method of Equal Shares"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "funded": funded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plus-one", action="store_true", help="also count one unit at a time")
    parser.add_argument("--riverside", action="store_true", help="also time viche report of the riverside example")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    election = few_voters()
    result: dict = {"python": platform.python_version(), "load": os.getloadavg()[0]}
    result["few_voters"] = timed_add1(election)
    if args.plus_one:
        t0 = time.process_time()
        outcome, counts = plus_one(election)
        result["few_voters_plus_one"] = {
            "funded": sorted(outcome),
            "counts": counts,
            "cpu_s": round(time.process_time() - t0, 3),
        }
        if sorted(outcome) != result["few_voters"]["funded"]:
            sys.exit("the +1 loop funds other projects")
    if args.riverside:
        result["riverside_report"] = riverside_report()
    result["load_after"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    few = result["few_voters"]
    print(f"24 voters × 1 000 000, add1: {few['counts']} counts, {few['cpu_s']} s CPU; funds {few['funded']}")
    if "few_voters_plus_one" in result:
        ref = result["few_voters_plus_one"]
        print(f"  one unit at a time:   {ref['counts']} counts, {ref['cpu_s']} s CPU (the same projects)")
    if "riverside_report" in result:
        r = result["riverside_report"]
        print(f"viche report riverside (add1): {r['wall_s']} s wall, {r['cpu_s']} s CPU; {r['funded']}")
    print(f"load average {result['load']:.1f} before, {result['load_after']:.1f} after")


if __name__ == "__main__":
    main()
