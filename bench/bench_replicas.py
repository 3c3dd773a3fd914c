"""Webhook replicas on one PostgreSQL: throughput and latency with 1, 2 and 3 replicas, and the CPU each process
spends per update, so that the scaling on a machine with more cores can be projected.

    python -m bench.bench_replicas                          # 150 participants, 1, 2 and 3 replicas
    python -m bench.bench_replicas --participants 300 --replicas 1,3 --json

Each run: a fresh database (``viche_bench_replicas`` on ``--postgresql``) with the demo, N ``viche run --webhook``
processes on it (bench/cluster.py), and in this process the fake Bot API delivering updates to them in turn (as
the reverse proxy does) and the participants walking the demo consultation (tests/crowd.py: /start, language,
consent, the question, three votes and their "why?", the pairs; each step waits for the bot's next screen).
Printed per run: steps per second, p50 / p99 of a step (a press → the next screen shown), lost and duplicated
writes, and per process the CPU seconds per update (user + system, from /proc; updates = every delivery, the
fake's included in "harness"). The 1-replica run is the reference the others compare with. PostgreSQL's own
CPU is not counted (its server processes are not ours to read).

On a machine with C cores, replicas scale while the replicas' CPU per update × the target rate stays below the
cores left to PostgreSQL and the proxy: projected updates/s ≈ cores for replicas / CPU seconds per update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.databases import fresh_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import SERVER  # noqa: E402 - after the path is set


def _own_cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


async def run(url: str, replicas: int, participants: int, workdir: Path) -> dict[str, Any]:
    import logging

    from bench.cluster import Cluster
    from sandbox.server import serve
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.tables import load_all
    from tests.crowd import CrowdFake, Outcome, crowd, stored
    from viche.loading import load_demo

    logging.basicConfig(level=logging.ERROR)
    load_all()
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    await load_demo(db, only_if_empty=False)
    fake = CrowdFake()
    chats = range(30_000_001, 30_000_001 + participants)
    async with serve(fake.app) as fake_url:
        cluster = Cluster(url, fake_url, workdir)
        cluster.add_replicas(replicas)
        fake.webhook.upstreams = [r.webhook_url for r in cluster.replicas]
        try:
            await cluster.start_all()
            await fake.wait_for(lambda: fake.webhook.active, timeout=60, what="the webhook registered")
            await asyncio.sleep(2)  # start-up's own work (commands, first queries) out of the figures
            cpu_before = [cluster.cpu_seconds(r) for r in cluster.replicas]
            own_before = _own_cpu()
            first_update = fake.updates.next_id
            started = time.perf_counter()
            walks = await crowd(fake, chats, step_timeout=120)
            seconds = time.perf_counter() - started
            await fake.wait_until_idle(timeout=30, quiet=0.1)
            updates = fake.updates.next_id - first_update
            cpu = [cluster.cpu_seconds(r) - b for r, b in zip(cluster.replicas, cpu_before, strict=True)]
            own = _own_cpu() - own_before
        finally:
            cluster.stop_all()
            await fake.close()
    outcome = Outcome(walks, await stored(db, chats), fake_statuses(), seconds)
    await db.dispose()
    return {
        "replicas": replicas,
        "participants": participants,
        "finished": outcome.finished,
        "updates": updates,
        "seconds": round(seconds, 1),
        "updates_per_second": round(updates / seconds, 1),
        "steps_per_second": round(len(outcome.steps) / seconds, 1),
        "p50_ms": round(outcome.percentile(50) * 1000),
        "p99_ms": round(outcome.percentile(99) * 1000),
        "lost": outcome.lost(),
        "duplicates": outcome.duplicates(),
        "stuck": outcome.stuck,
        "cpu_ms_per_update": {
            **{f"replica-{i}": round(c / updates * 1000, 2) for i, c in enumerate(cpu)},
            "replicas_total": round(sum(cpu) / updates * 1000, 2),
            "harness": round(own / updates * 1000, 2),
        },
    }


def fake_statuses() -> Any:
    from collections import Counter

    return Counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=150)
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument(
        "--postgresql",
        default=SERVER,
        help="a PostgreSQL server; each run creates (and leaves) the database viche_bench_replicas there",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    results = []
    for count in [int(n) for n in args.replicas.split(",")]:
        url = asyncio.run(fresh_database(args.postgresql, "viche_bench_replicas"))
        with tempfile.TemporaryDirectory() as folder:
            result = asyncio.run(run(url, count, args.participants, Path(folder)))
        results.append(result)
        reference = results[0]
        print(
            f"{count} replica(s): {result['updates_per_second']} updates/s "
            f"(×{result['updates_per_second'] / reference['updates_per_second']:.2f} of {reference['replicas']}), "
            f"steps p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; {result['finished']}/{args.participants} "
            f"finished, {result['lost']} lost, {result['duplicates']} duplicates; CPU ms per update "
            f"{result['cpu_ms_per_update']}; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    if args.json:
        print(json.dumps({"results": results, "cpus": os.cpu_count(), "load_average": os.getloadavg()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
