"""Streaming export benchmark: 1 000 000 answers through the real ``/v1`` route.

    python bench/bench_export.py                       # SQLite in a temporary file
    python bench/bench_export.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    python bench/bench_export.py --answers 200000      # smaller

It fills a consultation (5 question items; answers / 5 participants, each answering every item) with
bulk inserts, starts the API with uvicorn in its own process, makes a partner key, and downloads the
export over HTTP as CSV and as JSON Lines — first the first 10 % of the rows (``limit``), then all of
them — while sampling the server's resident memory. Flat memory means the peak for all the rows is
about the peak for a tenth of them. Prints rows/s and peak RSS of the server for each run.

A PostgreSQL database named in ``--database-url`` is dropped and created again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.databases import reset_database  # noqa: E402
from core.definition import ConsultationDef  # noqa: E402
from storage.consultations import save_definition  # noqa: E402
from storage.db import Database, is_sqlite  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Answer, Enrolment, Item, Option, Participant, new_participant_id, utcnow  # noqa: E402
from viche.importers import bulk_insert  # noqa: E402
from viche.keys import create_key  # noqa: E402

SLUG = "bench-export"
ITEMS = 5
CHUNK = 20_000


def definition() -> ConsultationDef:
    options = [{"key": f"o{n}", "label": {"en": f"Option {n}"}} for n in range(4)]
    return ConsultationDef.model_validate(
        {
            "slug": SLUG,
            "title": {"en": "Export benchmark"},
            "languages": ["en"],
            "default_language": "en",
            "items": [
                {"key": "q1", "type": "single_choice", "prompt": {"en": "One?"}, "options": options},
                {"key": "q2", "type": "single_choice", "prompt": {"en": "Two?"}, "options": options},
                {"key": "q3", "type": "scale", "prompt": {"en": "How much?"}, "min": 1, "max": 5},
                {"key": "q4", "type": "free_text", "prompt": {"en": "Why?"}},
                {"key": "q5", "type": "single_choice", "prompt": {"en": "Five?"}, "options": options},
            ],
        }
    )


async def fill(url: str, answers: int) -> tuple[str, int]:
    """The consultation and its answers; returns (a partner key, the number of answers)."""
    db = Database(url)
    try:
        async with db.session() as session:
            consultation = await save_definition(session, definition(), status="open")
        async with db.session() as session:
            from sqlalchemy import select

            items = (
                (
                    await session.execute(
                        select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)
                    )
                )
                .scalars()
                .all()
            )
            options = {
                i.id: (await session.execute(select(Option.id).where(Option.item_id == i.id).order_by(Option.position)))
                .scalars()
                .all()
                for i in items
            }
        people = answers // ITEMS
        now = utcnow()
        started = time.perf_counter()
        done = 0
        for first in range(0, people, CHUNK // ITEMS):
            ids = [new_participant_id() for _ in range(min(CHUNK // ITEMS, people - first))]
            rows = []
            for n, pid in enumerate(ids, start=first):
                for item in items:
                    if item.kind == "single_choice":
                        rows.append(
                            {
                                "participant_id": pid,
                                "item_id": item.id,
                                "option_id": options[item.id][n % 4],
                                "value": None,
                                "created_at": now,
                            }
                        )
                    elif item.kind == "scale":
                        rows.append(
                            {
                                "participant_id": pid,
                                "item_id": item.id,
                                "option_id": None,
                                "value": 1 + n % 5,
                                "created_at": now,
                            }
                        )
                    else:
                        rows.append(
                            {
                                "participant_id": pid,
                                "item_id": item.id,
                                "option_id": None,
                                "value": f"Because of reason number {n % 97}, mostly.",
                                "created_at": now,
                            }
                        )
            async with db.session() as session:
                await bulk_insert(
                    session,
                    Participant,
                    (
                        {
                            "id": pid,
                            "age_band": ["18-24", "25-34", "35-49"][n % 3],
                            "country": "UA",
                            "region": ["kyiv", "lviv", "odesa"][n % 3],
                            "language": "uk",
                            "created_at": now - timedelta(days=1),
                        }
                        for n, pid in enumerate(ids)
                    ),
                )
                await bulk_insert(
                    session,
                    Enrolment,
                    (
                        {
                            "participant_id": pid,
                            "consultation_id": consultation.id,
                            "source": "bench",
                            "consented_at": now,
                            "created_at": now,
                        }
                        for pid in ids
                    ),
                )
                await bulk_insert(session, Answer, rows)
                await session.commit()
            done += len(rows)
            print(f"\rinserting: {done}/{people * ITEMS} answers", end="", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - started
        print(f"\rinserted {done} answers in {seconds:.1f} s ({done / seconds:,.0f} rows/s)", file=sys.stderr)
        if not is_sqlite(url):
            # What autovacuum does soon after a load this size; without it the planner still believes
            # the tables empty.
            from sqlalchemy import text

            async with db.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))
        key, _ = await create_key(db, "bench", [SLUG])
        return key, done
    finally:
        await db.dispose()


async def reuse(url: str) -> tuple[str, int]:
    from sqlalchemy import func, select

    db = Database(url)
    try:
        async with db.session() as session:
            total = int(await session.scalar(select(func.count()).select_from(Answer)) or 0)
        key, _ = await create_key(db, "bench", [SLUG])
        return key, total
    finally:
        await db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Sampler:
    """The server's resident memory, sampled every 20 ms while an export runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self.peak = rss_kib(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib(self.pid))


def download(base: str, key: str, name: str, pid: int, limit: int | None = None) -> dict:
    params = {"limit": limit} if limit else {}
    lines = size = 0
    with Sampler(pid) as memory:
        started = time.perf_counter()
        with httpx.stream(
            "GET",
            f"{base}/v1/consultations/{SLUG}/export/{name}",
            params=params,
            headers={"Authorization": f"Bearer {key}"},
            timeout=None,
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
    rows = lines - (1 if name.endswith(".csv") else 0)
    return {
        "export": name,
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "mib": size / 2**20,
        "peak_rss_mib": memory.peak / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the database of an earlier run (with --database-url)"
    )
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="viche-bench-export-")
    try:
        url = args.database_url or f"sqlite+aiosqlite:///{workdir}/bench.db"
        if args.reuse and args.database_url:
            key, total = asyncio.run(reuse(url))
        else:
            if not is_sqlite(url):
                asyncio.run(reset_database(url))
            upgrade(url)
            key, total = asyncio.run(fill(url, args.answers))
        measure(url, key, total)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # the SQLite file, when there is one (~270 MB)
    return 0


def measure(url: str, key: str, total: int) -> None:
    port = free_port()
    env = {**os.environ, "VICHE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=str(ROOT),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        for name in ("answers.csv", "answers.jsonl"):  # warm up: imports, connections, buffers of full batches
            download(base, key, name, server.pid, limit=min(total, 10_000))
        idle = rss_kib(server.pid) / 1024
        database = "SQLite" if is_sqlite(url) else "PostgreSQL"
        print(f"\n{database}, {total:,} answers; server RSS before the exports: {idle:.1f} MiB")
        print(f"{'export':<16} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'MiB sent':>9} {'peak RSS MiB':>13}")
        for name in ("answers.csv", "answers.jsonl"):
            runs = []
            for limit in (total // 10, None):
                result = download(base, key, name, server.pid, limit=limit)
                runs.append(result)
                print(
                    f"{name:<16} {result['rows']:>10,} {result['seconds']:>8.1f} {result['rows_per_s']:>10,.0f} "
                    f"{result['mib']:>9.1f} {result['peak_rss_mib']:>13.1f}"
                )
            tenth, full = runs
            assert (tenth["rows"], full["rows"]) == (total // 10, total), runs
            print(
                f"{'':<16} peak RSS for all rows vs a tenth: {full['peak_rss_mib'] - tenth['peak_rss_mib']:+.1f} MiB "
                f"for {total - total // 10:,} more rows ({full['mib'] - tenth['mib']:.0f} MiB more sent)"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
