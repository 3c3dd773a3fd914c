"""Benchmark of the results page ``/r/<slug>`` at scale, next to the JSON results route in the same run.

    python bench/bench_pages.py                      # SQLite in a temporary directory, 1 000 000 votes
    python bench/bench_pages.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_pages
    python bench/bench_pages.py --votes 200000       # smaller

The consultation is bench/bench_results.py's (half agree/disagree votes on 1 000 statements, half pair votes on
1 000 proposals, 20 000 participants who also answered four questions), published. A writer keeps adding votes
through the participant API (20 a second, so the results cache's change marker moves) while the reader alternates
the public page, the organiser's private page (a signed link: free texts too) and the organiser's JSON route
(``GET /organiser/…/results``, the reference: the same cached results, encoded once). p50 / p99 of each after
the first reads (the first computes), for ``--read-seconds`` (default 40) and at least ``--reads`` reads of each.
The load average is printed at the start and at the end (other work on a small machine moves these figures).

A PostgreSQL database named in ``--database-url`` is dropped and created again, unless ``--reuse`` finds it
filled by an earlier run (the fill takes minutes; each run adds its few hundred votes). The app runs with the
garbage-collector settings of ``viche api`` and ``viche run`` (:mod:`viche.gc_settings`), and the run counts the
errors the app logged (a page that failed to rebuild is served as it was: only the log tells).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update  # noqa: E402

from api.app import create_app  # noqa: E402
from api.pages import links  # noqa: E402
from bench.bench_results import (  # noqa: E402
    ORGANISER,
    TEMPORARY,
    TOKEN,
    client_for,
    database_for_run,
    fill_results,
    load,
    percentile,
)
from core.settings import Settings  # noqa: E402
from storage.db import Database, is_sqlite  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Consultation, Enrolment, Item, Participant, Proposal, new_participant_id, utcnow  # noqa: E402
from viche.gc_settings import settle_after_start  # noqa: E402

SLUG = "bench-results"
WARM_UP = 3


async def bench_pages(url: str, reads: int, read_seconds: float) -> dict:
    db = Database(url)
    app = create_app(Settings(database_url=url, service_token=TOKEN, admins=[ORGANISER], _env_file=None), db)
    async with db.session() as session:
        await session.execute(update(Consultation).where(Consultation.slug == SLUG).values(published=True))
        await session.commit()
    key, _ = links.sign(TOKEN, ORGANISER, SLUG)
    errors = _ErrorCount()
    logging.getLogger("viche").addHandler(errors)
    settle_after_start()  # as `viche api` and `viche run` do once started
    routes = {
        "public page": f"/r/{SLUG}",
        "organiser's page": f"/r/{SLUG}/private?key={key}",
        "JSON results (reference)": f"/organiser/consultations/{SLUG}/results",
    }
    latencies: dict[str, list[float]] = {name: [] for name in routes}
    out: dict = {}
    stop = asyncio.Event()
    async with client_for(app) as http:
        for name, path in routes.items():  # the first read of each computes what it shows
            started = time.perf_counter()
            response = await http.get(path)
            assert response.status_code == 200, (path, response.status_code)
            out[f"first {name}"] = time.perf_counter() - started
            out[f"bytes {name}"] = len(response.content)

        async def writer() -> int:
            written = 0
            rnd = random.Random(11)
            async with db.session() as session:
                ideas = (await session.execute(select(Item.id).where(Item.key == "ideas"))).scalar_one()
                cid = (await session.execute(select(Item.consultation_id).where(Item.id == ideas))).scalar_one()
                statements = list(
                    (await session.execute(select(Proposal.id).where(Proposal.item_id == ideas).limit(200))).scalars()
                )
            while not stop.is_set():
                pid = new_participant_id()
                async with db.session() as session:
                    session.add(Participant(id=pid))
                    await session.flush()
                    session.add(Enrolment(participant_id=pid, consultation_id=cid, consented_at=utcnow()))
                    await session.commit()
                await http.post(
                    f"/participant/{pid}/votes", json={"proposal_id": rnd.choice(statements), "choice": "agree"}
                )
                written += 1
                await asyncio.sleep(0.05)
            return written

        task = asyncio.create_task(writer())
        cache = app.state.results_cache
        before = cache.computations
        started = time.perf_counter()
        turn = 0
        while min(len(v) for v in latencies.values()) < reads + WARM_UP or time.perf_counter() - started < read_seconds:
            name = list(routes)[turn % len(routes)]
            turn += 1
            t = time.perf_counter()
            response = await http.get(routes[name])
            latencies[name].append(time.perf_counter() - t)
            assert response.status_code == 200
            await asyncio.sleep(0.005)
        out["read_seconds"] = time.perf_counter() - started
        stop.set()
        out["written"] = await task
        await cache.drain()
        out["recomputed"] = cache.computations - before
        out["page builds"] = app.state.page_memo.builds
    out["errors"] = errors.count
    for name, values in latencies.items():
        kept = values[WARM_UP:]
        out[name] = (1000 * percentile(kept, 50), 1000 * percentile(kept, 99), len(kept))
    await app.state.selection.drain()
    await db.dispose()
    return out


class _ErrorCount(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def _filled(url: str) -> bool:
    db = Database(url)
    try:
        async with db.session() as session:
            return (await session.execute(select(Consultation.id).where(Consultation.slug == SLUG))).first() is not None
    except Exception:  # noqa: BLE001 - no such database or no tables yet: fill it
        return False
    finally:
        await db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--read-seconds", type=float, default=40.0)
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: keep a database an earlier run filled")
    args = parser.parse_args()
    database = "SQLite" if args.database_url is None or is_sqlite(args.database_url) else "PostgreSQL"
    print(
        f"viche results page benchmark — {database}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{load()}"
    )
    print(f"results page of a consultation with {args.votes:,} votes, {args.participants:,} participants")
    reusable = args.reuse and args.database_url and not is_sqlite(args.database_url)
    if reusable and asyncio.run(_filled(args.database_url)):
        url = args.database_url
        upgrade(url)
        print("   reusing the database an earlier run filled")
    else:
        url = database_for_run(args.database_url, "pages")
        asyncio.run(fill_results(url, args.votes, args.participants))
    r = asyncio.run(bench_pages(url, args.reads, args.read_seconds))
    names = ("public page", "organiser's page", "JSON results (reference)")
    print("   first read (computes): " + ", ".join(f"{n} {1000 * r[f'first {n}']:,.0f} ms" for n in names))
    print(
        f"   reads while votes arrive ({r['read_seconds']:.1f} s, {r['written']} votes written meanwhile, "
        f"{r['recomputed']} recomputations, {r['page builds']} page builds, {r['errors']} errors logged):"
    )
    print(f"   {'route':<28}{'p50 ms':>9}{'p99 ms':>9}{'reads':>7}{'bytes':>11}")
    for name in names:
        p50, p99, n = r[name]
        print(f"   {name:<28}{p50:>9.2f}{p99:>9.2f}{n:>7}{r[f'bytes {name}']:>11,}")
    print(f"   {load()}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    finally:
        for directory in TEMPORARY:
            shutil.rmtree(directory, ignore_errors=True)
