"""The webhook's own share of an update on a shared database: claiming it and recording it as handled.

    python -m bench.bench_claims --database-name viche_bench_claims

In webhook mode on PostgreSQL every update is claimed through the backend before it is handled and recorded
through it before the answer (bot/claims.py, storage/update_claims.py). Here one process claims and records
``--updates`` updates through ``Backend.in_process``, as the bot does, after 20 warm-up updates (the pool, the
statement caches): one pass under cProfile for the Python calls per update (deterministic), one without for the
CPU per update. No Telegram, no handling: the claim and the record alone.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import SERVER  # noqa: E402 - after the path is set

SERVICE_TOKEN = "bench-service-token"


async def run(database_url: str, name: str, updates: int) -> dict[str, float]:
    from api.app import create_app
    from bench.databases import fresh_database
    from bot.backend import Backend
    from core.settings import Settings
    from storage.db import Database
    from storage.migrate import upgrade

    url = await fresh_database(database_url, name)
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    settings = Settings(database_url=url, service_token=SERVICE_TOKEN, _env_file=None)
    backend = Backend.in_process(create_app(settings, db), SERVICE_TOKEN)

    async def one(n: int) -> None:
        answer = await backend.claim_update(1, 1_000 + n, 77 + n % 7, "bench-holder")
        assert answer["state"] == "go", answer
        await backend.record_updates(1, [1_000 + n])

    try:
        for n in range(20):
            await one(n)
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(20, 20 + updates):
            await one(n)
        profiler.disable()
        if os.environ.get("VICHE_BENCH_PROFILE"):  # a file: the profiled pass, for pstats
            profiler.dump_stats(os.environ["VICHE_BENCH_PROFILE"])
        calls = sum(entry[1] for entry in pstats.Stats(profiler).stats.values())  # type: ignore[attr-defined]
        cpu = time.process_time()
        for n in range(20 + updates, 20 + 2 * updates):
            await one(n)
        cpu = time.process_time() - cpu
    finally:
        await backend.close()
        await db.dispose()
    return {"python_calls_per_update": round(calls / updates), "cpu_ms_per_update": round(cpu / updates * 1000, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=SERVER,
    )
    parser.add_argument(
        "--database-name", default="viche_bench_claims", help="the database the run makes (dropped first if there)"
    )
    parser.add_argument("--updates", type=int, default=300)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.database_url, args.database_name, args.updates))
    print(
        f"claim + record of one update: {result['python_calls_per_update']} Python calls, "
        f"CPU {result['cpu_ms_per_update']} ms (load average {os.getloadavg()[0]:.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
