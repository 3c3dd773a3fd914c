"""The backend's share of a button press: the citizen flow and the API, without Telegram.

    python -m bench.bench_backend_path --participants 100 --json

Participants walk the demo consultation one after another (13 updates each, as in ``bench_e2e``) through
``ParticipantFlow`` and the in-process backend into PostgreSQL (the database ``viche_bench_path`` is made for the
run). No aiogram and no Bot API: this is the part of the bot's work that viche's own code decides. Printed:
CPU and wall time per update, and per kind of backend request its count, mean wall time and SQL statements.

Sequential on purpose: with nothing else to wait for, wall time is the request's own cost plus the database
round trips. On a machine whose speed drifts, compare two versions in alternation (one checkout each, the
same command), not with a figure from another day. ``VICHE_BENCH_PROFILE=/tmp/path.prof`` writes a cProfile
of the walk alone, timed in CPU time (with the default wall clock, waiting for a CPU on a shared machine
looked like the cost of whatever call it interrupted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import SERVER  # noqa: E402 - after the path is set
from bench.machine import machine  # noqa: E402

SERVICE_TOKEN = "bench-service-token"


def _kind(method: str, path: str) -> str:
    """A request's route, without ids: ``POST participant/*/votes``."""
    parts = path.strip("/").split("/")
    if "pairs" in parts:
        return f"{method} participant/*/pairs/*"
    return f"{method} " + "/".join("*" if len(p) >= 12 else p for p in parts)


async def walk(database_url: str, participants: int, name: str = "viche_bench_path") -> dict[str, Any]:
    from sqlalchemy import event

    from api.app import create_app
    from bench.bench_e2e import load_demo
    from bench.databases import fresh_database
    from bot.backend import Backend
    from bot.dispatcher import build_dispatcher
    from bot.flows.person import Person
    from core.settings import Settings
    from storage.db import Database
    from storage.migrate import upgrade

    url = await fresh_database(database_url, name)
    await asyncio.to_thread(upgrade, url)
    await load_demo(url)
    db = Database(url)
    backend = Backend.in_process(
        create_app(Settings(database_url=url, service_token=SERVICE_TOKEN, _env_file=None), db), SERVICE_TOKEN
    )
    statements = [0]

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        statements[0] += 1

    per_kind: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    request = backend._request

    async def timed(method: str, path: str, **kwargs: Any) -> Any:
        statements[0] = 0
        started = time.perf_counter()
        try:
            return await request(method, path, **kwargs)
        finally:
            entry = per_kind[_kind(method, path)]
            entry[0] += 1
            entry[1] += time.perf_counter() - started
            entry[2] += statements[0]

    backend._request = timed  # measuring around the real call, not replacing it
    flow = build_dispatcher(backend, default_language="en")["participant_flow"]
    updates = 0
    profile = os.environ.get("VICHE_BENCH_PROFILE")  # a file: cProfile the walk into it, timed in CPU time
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # waiting for a CPU on a busy machine is not counted
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        for n in range(participants):
            user = Person(telegram_id=10_000 + n, language_code="en")
            reply = await flow.start(user, None)
            updates += 1
            while True:  # press the first button of the latest screen until there is none
                screens = ([reply.edit] if reply.edit else []) + reply.messages
                buttons = [b for s in screens for row in s.buttons for b in row]
                if not buttons:
                    break
                reply = await flow.callback(user, buttons[0].data, buttons[0].text, screens[-1].text)
                updates += 1
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        await backend.close()
        await db.dispose()
    return {
        "participants": participants,
        "updates": updates,
        "cpu_ms_per_update": round(cpu / updates * 1000, 2),
        "wall_ms_per_update": round(wall / updates * 1000, 2),
        "requests": {
            kind: {"count": c, "mean_ms": round(t / c * 1000, 2), "statements": round(s / c, 1)}
            for kind, (c, t, s) in sorted(per_kind.items(), key=lambda kv: -kv[1][1])
        },
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=SERVER,
    )
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument(
        "--database-name", default="viche_bench_path", help="the database the run makes (dropped first if there)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(walk(args.database_url, args.participants, args.database_name))
    print(
        f"{result['updates']} updates from {result['participants']} participants: "
        f"CPU {result['cpu_ms_per_update']} ms, wall {result['wall_ms_per_update']} ms per update"
    )
    for kind, r in result["requests"].items():
        print(f"  {kind:36s} {r['count']:6d} × {r['mean_ms']:6.2f} ms  {r['statements']:4.1f} statements")
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
