"""The floor under a button press: what the layers a press must pass cost before viche does anything.

    python -m bench.bench_floor --json

Issue 22 asks for viche's CPU per update within 2× the echo bot's (``bench_e2e``). A press in viche is the echo
bot's work (an update read, a toast, an edit) plus at least one request to its own API, in process, with one
transaction behind it: the bot is a client of its API and every write is its own transaction. This prints
what that minimum costs here, each layer on its own, in CPU time per operation (2 000 of each after 200
warm-up ones, one process, PostgreSQL at ``--database-url``; the run makes the database ``viche_bench_floor``):

* the API's request layers with no database: ``GET /healthz`` through ``Backend.in_process`` (middleware,
  routing, the service-token check is not on this route);
* a transaction through SQLAlchemy's ``AsyncSession`` (what every route's ``session`` dependency gives), with 1
  and with 3 statements, and through an ``AsyncConnection``;
* the same transactions straight through asyncpg, on a connection of the same engine's pool
  (``storage/raw.py``, the webhook claims' road);

the statement is ``SELECT pg_advisory_xact_lock($1)``: a round trip that costs the server almost nothing. Compare
the sums with ``bench_e2e``'s echo bot, run on the same machine the same hour.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import SERVER  # noqa: E402 - after the path is set
from bench.machine import machine  # noqa: E402

SERVICE_TOKEN = "bench-service-token"
WARM_UP, TIMES = 200, 2000


async def _cpu_ms(operation: Callable[[], Awaitable[Any]]) -> float:
    for _ in range(WARM_UP):
        await operation()
    started = time.process_time()
    for _ in range(TIMES):
        await operation()
    return round((time.process_time() - started) / TIMES * 1000, 3)


async def measure(database_url: str, name: str = "viche_bench_floor") -> dict[str, Any]:
    from sqlalchemy import func, select

    from api.app import create_app
    from bench.databases import drop_database, fresh_database
    from bot.backend import Backend
    from core.settings import Settings
    from storage import raw
    from storage.db import Database

    url = await fresh_database(database_url, name)
    db = Database(url)
    app = create_app(Settings(database_url=url, service_token=SERVICE_TOKEN, _env_file=None), db, refresh_groups=False)
    backend = Backend.in_process(app, SERVICE_TOKEN)

    async def api_request() -> None:
        await backend._request("GET", "/healthz")

    def lock(key: int) -> Any:
        return select(func.pg_advisory_xact_lock(key))

    async def session(statements: int) -> None:
        async with db.sessions() as s:
            for key in range(statements):
                await s.execute(lock(key))
            await s.commit()

    async def connection(statements: int) -> None:
        async with db.engine.connect() as c:
            for key in range(statements):
                await c.execute(lock(key))
            await c.commit()

    async def asyncpg(statements: int) -> None:
        async with raw.connection(db.engine, transaction=True) as c:
            for key in range(statements):
                await c.execute("SELECT pg_advisory_xact_lock($1)", key)

    figures: dict[str, float] = {}
    try:
        figures["api_request_no_database"] = await _cpu_ms(api_request)
        for statements in (1, 3):
            figures[f"sqlalchemy_session_{statements}"] = await _cpu_ms(lambda n=statements: session(n))
            figures[f"sqlalchemy_connection_{statements}"] = await _cpu_ms(lambda n=statements: connection(n))
            figures[f"asyncpg_{statements}"] = await _cpu_ms(lambda n=statements: asyncpg(n))
    finally:
        await backend.close()
        await db.dispose()
        await drop_database(database_url, name)
    return {
        "cpu_ms": figures,
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=SERVER,
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.database_url))
    f = result["cpu_ms"]
    print(f"CPU per operation (ms), load average {result['machine']['load_average'][0]:.1f}:")
    print(f"  an in-process API request, no database:      {f['api_request_no_database']:.3f}")
    print("  a transaction of             1 statement   3 statements")
    for road, label in (
        ("sqlalchemy_session", "SQLAlchemy AsyncSession"),
        ("sqlalchemy_connection", "SQLAlchemy AsyncConnection"),
        ("asyncpg", "asyncpg (storage/raw.py)"),
    ):
        print(f"  {label:28s} {f[road + '_1']:10.3f} {f[road + '_3']:14.3f}")
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
