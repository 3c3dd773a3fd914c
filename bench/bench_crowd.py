"""A crowd at once on each database: participants walking the demo consultation together through the real bot.

    python -m bench.bench_crowd                                  # 200 participants, SQLite then PostgreSQL
    python -m bench.bench_crowd --participants 1000 --databases sqlite

The path is the one a vote takes in ``viche run`` by long polling: the fake Bot API over real HTTP → the aiogram
dispatcher (20 updates at once, as ``viche run``) → the API in the same process → the database. SQLite is a
fresh file in a temporary directory; PostgreSQL a database made for the run (``viche_bench_crowd``) on
``--postgresql``. Each participant sends /start, picks English, consents, answers the question, votes on three
proposals (each with its "why?") and answers the pairs: 13 steps, every one waiting for the bot's next screen
before the next (tests/crowd.py). Printed per database: API requests and how many answered 5xx, "Something went
wrong" seen by participants, acknowledged writes missing from the database (lost) or stored more than once
(duplicates), steps per second, and the p50 / p99 / max of a step (a press → the next screen shown). Everything
runs in this one process (bot, API, fake Telegram and the citizens share its event loop), so the times include
the harness; compare the databases with each other.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.databases import fresh_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import SERVER  # noqa: E402 - after the path is set

SERVICE_TOKEN = "bench-service-token"


async def run(url: str, participants: int) -> dict[str, Any]:
    import logging

    from api.app import create_app
    from core.settings import Settings
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.tables import load_all
    from tests.crowd import run_crowd
    from viche.loading import load_demo

    logging.basicConfig(level=logging.ERROR)  # aiogram logs each update at INFO; failures are counted below
    load_all()
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        await load_demo(db, only_if_empty=False)
        app = create_app(Settings(database_url=url, service_token=SERVICE_TOKEN, _env_file=None), db)
        outcome = await run_crowd(app, db, SERVICE_TOKEN, range(20_000_001, 20_000_001 + participants))
    finally:
        await db.dispose()
    return {
        "database": url.split(":", 1)[0],
        "participants": participants,
        "finished": outcome.finished,
        "seconds": round(outcome.seconds, 1),
        "requests": outcome.requests,
        "server_errors": outcome.server_errors,
        "something_went_wrong": outcome.failures,
        "stuck": outcome.stuck,
        "acknowledged": outcome.acknowledged,
        "lost": outcome.lost(),
        "duplicates": outcome.duplicates(),
        "steps": len(outcome.steps),
        "steps_per_second": round(len(outcome.steps) / outcome.seconds, 1),
        "p50_ms": round(outcome.percentile(50) * 1000),
        "p99_ms": round(outcome.percentile(99) * 1000),
        "max_ms": round(max(outcome.steps, default=0) * 1000),
        "summary": outcome.summary(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgresql",
        default=SERVER,
        help="a PostgreSQL server; the run creates (and leaves) the database viche_bench_crowd there",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.databases.split(","):
            url = (
                f"sqlite+aiosqlite:///{folder}/crowd.db"
                if kind == "sqlite"
                else asyncio.run(fresh_database(args.postgresql, "viche_bench_crowd"))
            )
            result = asyncio.run(run(url, args.participants))
            results.append(result)
            print(f"{kind}: {result['summary']}", flush=True)
    if args.json:
        print(json.dumps({"results": results, "cpus": os.cpu_count(), "load_average": os.getloadavg()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
