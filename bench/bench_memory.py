"""Peak memory of the bot process with 100 000 participants registered.

    python -m bench.bench_memory --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
    python -m bench.bench_memory --registered 100000 --active 3000

100 000 participants (a contact, a language, a consented enrolment in the demo consultation) are written
straight into a PostgreSQL database made for the run. Then the production bot (the same process as in
``bench_e2e``: API app, in-process backend, aiogram, polling the fake Bot API) serves ``--active`` of them,
each sending /start and answering one question, and the contact-data retention sweep runs over all of them.
Printed: the bot process's resident memory after start-up, after each batch of active participants, and its
peak (VmHWM); the growth per distinct participant, and what that growth would come to if every registered
participant wrote to the same process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_e2e import Citizen, Samples, _free_port, _peak_rss_mib, _wait_ready, instrumented_fake, load_demo  # noqa: E402
from bench.databases import SERVER, fresh_database  # noqa: E402

FIRST_CHAT = 50_000_000


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def register(url: str, count: int) -> float:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    started = time.perf_counter()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        consultation = (await conn.execute(text("SELECT id FROM consultation LIMIT 1"))).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO participant (id, language, created_at) "
                "SELECT md5('p' || n), 'en', now() FROM generate_series(1, :count) AS n"
            ),
            {"count": count},
        )
        await conn.execute(
            text(
                "INSERT INTO contact (participant_id, channel, external_id, created_at) "
                "SELECT md5('p' || n), 'telegram', (:first + n)::text, now() FROM generate_series(1, :count) AS n"
            ),
            {"count": count, "first": FIRST_CHAT},
        )
        await conn.execute(
            text(
                "INSERT INTO enrolment (participant_id, consultation_id, consented_at, profile_done, created_at) "
                "SELECT md5('p' || n), :consultation, now(), '[]', now() FROM generate_series(1, :count) AS n"
            ),
            {"count": count, "consultation": consultation},
        )
    await engine.dispose()
    return time.perf_counter() - started


async def sweep(url: str) -> dict:
    """The retention sweep over every registered participant (nothing is old enough to go)."""
    from core.settings import Settings
    from storage.db import Database
    from viche.production import housekeep_once

    db = Database(url)
    started = time.perf_counter()
    try:
        done = await housekeep_once(Settings(database_url=url, retention_days=30, _env_file=None), db)
    finally:
        await db.dispose()
    return {"seconds": round(time.perf_counter() - started, 2), **done}


async def drive(url: str, active: int, batches: int) -> dict:
    from sandbox.server import serve

    fake = instrumented_fake()
    report: dict = {"rss_mib_after": []}
    async with serve(fake.app) as telegram:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_e2e", "--serve", "viche", "polling", telegram, url, str(_free_port())],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            await asyncio.wait_for(asyncio.to_thread(_wait_ready, process), timeout=120)
            await asyncio.sleep(2)
            report["rss_mib_started"] = _rss_mib(process.pid)
            samples = Samples()
            per_batch = max(1, active // batches)
            chat = FIRST_CHAT + 1
            for _ in range(batches):
                citizens = [Citizen(fake, c, "viche", samples) for c in range(chat, chat + per_batch)]
                chat += per_batch
                # /start (they are known already: the next question), then one answer
                await _bounded(citizens, concurrency=200)
                report["rss_mib_after"].append(
                    {"participants": chat - FIRST_CHAT - 1, "rss_mib": _rss_mib(process.pid)}
                )
            report["peak_rss_mib"] = _peak_rss_mib(process.pid)
            report["updates"] = samples.updates
            report["failures"] = samples.failures
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            await fake.close()
    return report


async def _bounded(citizens: list, concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def two_steps(citizen) -> None:
        async with gate:
            citizen.step = 0
            await citizen.act()  # /start → the consent screen or the next question
            citizen.step = 2  # then press the first button, as a participant who goes on
            await citizen.act()

    await asyncio.gather(*(two_steps(c) for c in citizens))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=SERVER,
        help="a PostgreSQL server; the run creates (and leaves) the database viche_bench_memory there",
    )
    parser.add_argument("--registered", type=int, default=100_000)
    parser.add_argument("--active", type=int, default=3000, help="distinct participants who write to the bot")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from storage.migrate import upgrade

    url = asyncio.run(fresh_database(args.database_url, "viche_bench_memory"))
    upgrade(url)
    asyncio.run(load_demo(url))
    seconds = asyncio.run(register(url, args.registered))
    print(f"registered {args.registered} participants in {seconds:.1f} s", flush=True)
    swept = asyncio.run(sweep(url))
    print(f"retention sweep over them: {swept}", flush=True)
    report = asyncio.run(drive(url, args.active, args.batches))
    points = report["rss_mib_after"]
    growth = (
        (points[-1]["rss_mib"] - points[0]["rss_mib"]) / (points[-1]["participants"] - points[0]["participants"])
        if len(points) > 1
        else float("nan")
    )
    report.update(
        registered=args.registered,
        active=args.active,
        sweep=swept,
        growth_kib_per_participant=round(growth * 1024, 2),
        projected_rss_mib_if_all_write=round(
            points[-1]["rss_mib"] + growth * (args.registered - points[-1]["participants"]), 1
        ),
    )
    print(
        f"bot process: {report['rss_mib_started']} MiB after start-up; "
        + ", ".join(f"{p['rss_mib']} MiB after {p['participants']}" for p in points)
        + f"; peak {report['peak_rss_mib']} MiB; {report['growth_kib_per_participant']} KiB per distinct "
        f"participant → about {report['projected_rss_mib_if_all_write']} MiB if all {args.registered} wrote "
        f"to one process; {report['updates']} updates, {report['failures']} failures"
    )
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
