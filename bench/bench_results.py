"""Benchmark of selection and results through the backend (``api/selection.py``, ``api/results/``).

    python bench/bench_results.py                      # SQLite in a temporary directory
    python bench/bench_results.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_results
    python bench/bench_results.py --votes 200000       # smaller results part
    python bench/bench_results.py --only next          # or: --only results

1. The participant ``next`` route end to end (in-process ASGI: FastAPI, the real queries, the insert of the
   served pair), for a pairs item and for an agree/disagree item of 100 and of 10 000 proposals that already
   hold 20 votes per proposal. Each of 300 participants walks the item (5 pairs, or 5 statements) answering
   as it goes; p50 / p99 of the ``next`` calls after the first 10 participants (warm-up). Building the
   item's selector from the stored votes (once per process) is timed apart.
2. Reading a consultation's full results at ``--votes`` votes (default 1 000 000: half agree/disagree votes on
   1 000 statements, half pair votes on 1 000 proposals, from 20 000 participants who also answered four
   questions): the computation itself (no cache; whole, and split by age band), then reads through the
   organiser route while a writer keeps adding votes (20 per second, through the participant API, so the
   change marker moves), p50 / p99. The reads go on for ``--read-seconds`` (default 40) and at least
   ``--reads``, long enough for the cache to recompute the results in the background a few times (at most
   once per four computation times), so the figures include reads made while a recomputation runs.

The load average of the machine is printed at the start and after each part (other work on a small
machine moves these figures).

A PostgreSQL database named in ``--database-url`` is dropped and created again (twice: one per part).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from api import results  # noqa: E402
from api.app import create_app  # noqa: E402
from bench.databases import reset_database  # noqa: E402
from core import assertion  # noqa: E402
from core.definition import ConsultationDef  # noqa: E402
from core.settings import Settings  # noqa: E402
from storage.consultations import save_definition  # noqa: E402
from storage.db import Database, is_sqlite  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Answer,
    Enrolment,
    Item,
    Option,
    PairPrompt,
    Participant,
    Proposal,
    ProposalVote,
    new_participant_id,
    utcnow,
)

TOKEN = "bench-token"
ORGANISER = 900001  # the organiser the results are read as (VICHE_ADMINS of the bench's app)
WARM_UP = 10
CHUNK = 10_000


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


TEMPORARY: list[str] = []


def database_for_run(url: str | None, name: str) -> str:
    if url is None:
        TEMPORARY.append(tempfile.mkdtemp(prefix="viche-bench-results-"))
        url = f"sqlite+aiosqlite:///{TEMPORARY[-1]}/{name}.db"
    else:
        asyncio.run(reset_database(url))
    upgrade(url)
    return url


async def insert_rows(db: Database, table, rows: list[dict]) -> None:
    async with db.session() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(table), rows[start : start + CHUNK])
        await session.commit()


async def make_people(db: Database, consultation_id: int, n: int, rnd: random.Random) -> list[str]:
    ids = [new_participant_id() for _ in range(n)]
    now = utcnow()
    bands, regions, languages = ["14-17", "18-24", "25-34", "35-49", "50-64", "65+"], ["n", "s", "e", "w"], ["uk", "en"]
    await insert_rows(
        db,
        Participant,
        [
            {
                "id": pid,
                "created_at": now,
                "age_band": rnd.choice(bands),
                "region": rnd.choice(regions),
                "language": rnd.choice(languages),
                "country": "UA",
            }
            for pid in ids
        ],
    )
    await insert_rows(
        db,
        Enrolment,
        [
            {
                "participant_id": pid,
                "consultation_id": consultation_id,
                "consented_at": now,
                "created_at": now,
                "profile_done": [],
                "source": rnd.choice(["poster", "radio", "school"]),
            }
            for pid in ids
        ],
    )
    return ids


def pair_rows(
    item_id: int, proposals: list[int], voters: list[str], per_voter: int, theta: np.ndarray, rnd: random.Random
) -> list[dict]:
    rows, now, n = [], utcnow(), len(proposals)
    for pid in voters:
        seen = set()
        while len(seen) < per_voter:
            a, b = rnd.randrange(n), rnd.randrange(n)
            if a == b or (min(a, b), max(a, b)) in seen:
                continue
            seen.add((min(a, b), max(a, b)))
            left_wins = rnd.random() < 1.0 / (1.0 + np.exp(theta[b] - theta[a]))
            rows.append(
                {
                    "token": secrets.token_urlsafe(9),
                    "participant_id": pid,
                    "item_id": item_id,
                    "left_id": proposals[a],
                    "right_id": proposals[b],
                    "low_id": min(proposals[a], proposals[b]),
                    "high_id": max(proposals[a], proposals[b]),
                    "served_at": now,
                    "outcome": "left" if left_wins else "right",
                    "after_skip": False,
                    "answered_at": now,
                }
            )
    return rows


def vote_rows(item_id: int, proposals: list[int], voters: list[str], per_voter: int, rnd: random.Random) -> list[dict]:
    rows, now = [], utcnow()
    quals = {"agree": ["like_it", "doable", None], "disagree": ["no_way", None], "neutral": [None]}
    for pid in voters:
        for proposal in rnd.sample(proposals, per_voter):
            choice = rnd.choice(("agree", "agree", "disagree", "neutral"))
            rows.append(
                {
                    "participant_id": pid,
                    "item_id": item_id,
                    "proposal_id": proposal,
                    "choice": choice,
                    "qualification": rnd.choice(quals[choice]),
                    "created_at": now,
                }
            )
    return rows


async def ids_of(db: Database, model, item_id: int) -> list:
    async with db.session() as session:
        return list(
            (await session.execute(select(model.id).where(model.item_id == item_id).order_by(model.id))).scalars()
        )


class ActingOrganiser(httpx.Auth):
    """Organiser routes need who acts, signed for each request (X-Viche-Actor, core/assertion.py)."""

    def auth_flow(self, request: httpx.Request):
        if request.url.path.startswith("/organiser/"):
            request.headers[assertion.HEADER] = assertion.sign(TOKEN, ORGANISER, request.method, request.url.path)
        yield request


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=None,
        auth=ActingOrganiser(),
    )


# ---------------------------------------------------------------------------------------------- 1. next


async def bench_next(url: str, n: int, kind: str, walkers: int = 300) -> dict:
    db = Database(url)
    rnd = random.Random(n)
    slug = f"next-{kind}-{n}"
    item_def = {
        "key": "it",
        "type": kind,
        "prompt": {"en": "Which?"},
        "proposals": [{"en": f"Proposal {i:05d} for the benchmark"} for i in range(n)],
    }
    item_def.update({"max_pairs": 5} if kind == "pairs" else {"max_votes": 5})
    async with db.session() as session:
        consultation = await save_definition(
            session,
            ConsultationDef.model_validate(
                {
                    "slug": slug,
                    "title": {"en": "Bench"},
                    "languages": ["en"],
                    "default_language": "en",
                    "items": [item_def],
                }
            ),
            status="open",
        )
        item_id = (await session.execute(select(Item.id).where(Item.consultation_id == consultation.id))).scalar_one()
    proposals = await ids_of(db, Proposal, item_id)
    # 20 votes per proposal already stored.
    voters = await make_people(db, consultation.id, 2 * n, rnd)
    if kind == "pairs":
        theta = np.random.default_rng(n).normal(0.0, 1.5, n)
        await insert_rows(db, PairPrompt, pair_rows(item_id, proposals, voters, 5, theta, rnd))
    else:
        await insert_rows(db, ProposalVote, vote_rows(item_id, proposals, voters, 10, rnd))
    people = await make_people(db, consultation.id, walkers, rnd)

    app = create_app(Settings(database_url=url, service_token=TOKEN, admins=[ORGANISER], _env_file=None), db)
    # The selector is built once per process from the stored votes: timed on its own.
    async with db.session() as session:
        item = await session.get(Item, item_id)
        started = time.perf_counter()
        await app.state.selection.state(session, item)
        build = time.perf_counter() - started
    times = []
    async with client_for(app) as http:
        for number, pid in enumerate(people):
            while True:
                started = time.perf_counter()
                response = await http.get(f"/participant/{pid}/next", params={"slug": slug})
                elapsed = time.perf_counter() - started
                screen = response.json()
                if number >= WARM_UP:  # the first participants warm SQLAlchemy's statement caches
                    times.append(elapsed)
                if screen["status"] != "item":
                    break
                if kind == "pairs":
                    await http.post(
                        f"/participant/{pid}/pairs/{screen['pair']['token']}",
                        json={"outcome": rnd.choice(("left", "right", "left", "right", "cant_decide"))},
                    )
                else:
                    await http.post(
                        f"/participant/{pid}/votes",
                        json={"proposal_id": screen["proposal"]["id"], "choice": rnd.choice(("agree", "disagree"))},
                    )
    await app.state.selection.drain()
    await db.dispose()
    return {
        "n": n,
        "kind": kind,
        "build_ms": 1000 * build,
        "p50_ms": 1000 * percentile(times, 50),
        "p99_ms": 1000 * percentile(times, 99),
        "calls": len(times),
    }


# ---------------------------------------------------------------------------------------------- 2. results

RESULTS_DEF = {
    "slug": "bench-results",
    "title": {"en": "Results benchmark"},
    "languages": ["en"],
    "default_language": "en",
    "min_segment_size": 10,
    "profile": {"age_bands": ["14-17", "18-24", "25-34", "35-49", "50-64", "65+"]},
    "items": [
        {
            "key": "visits",
            "type": "single_choice",
            "prompt": {"en": "How often?"},
            "options": [{"key": f"o{i}", "label": {"en": f"Option {i}"}} for i in range(4)],
        },
        {"key": "mood", "type": "scale", "prompt": {"en": "How happy?"}, "min": 1, "max": 5},
        {"key": "why", "type": "free_text", "prompt": {"en": "Why?"}},
        {
            "key": "budget",
            "type": "budget",
            "prompt": {"en": "Spend"},
            "total": 100,
            "projects": [{"key": f"p{i}", "label": {"en": f"Project {i}"}, "cost": 10 + 5 * i} for i in range(8)],
        },
        {
            "key": "ideas",
            "type": "proposal",
            "prompt": {"en": "Agree?"},
            "proposals": [{"en": f"Statement {i:04d} for the benchmark"} for i in range(1000)],
        },
        {
            "key": "pairs",
            "type": "pairs",
            "prompt": {"en": "Better?"},
            "max_pairs": 25,
            "proposals": [{"en": f"Proposal {i:04d} for the benchmark"} for i in range(1000)],
        },
    ],
}


async def fill_results(url: str, votes: int, participants: int) -> None:
    db = Database(url)
    rnd = random.Random(7)
    async with db.session() as session:
        consultation = await save_definition(session, ConsultationDef.model_validate(RESULTS_DEF), status="open")
        items = {
            i.key: i
            for i in (await session.execute(select(Item).where(Item.consultation_id == consultation.id))).scalars()
        }
        options = {
            key: list(
                (
                    await session.execute(select(Option.id).where(Option.item_id == item.id).order_by(Option.position))
                ).scalars()
            )
            for key, item in items.items()
        }
    statements = await ids_of(db, Proposal, items["ideas"].id)
    proposals = await ids_of(db, Proposal, items["pairs"].id)
    theta = np.random.default_rng(3).normal(0.0, 1.5, len(proposals))
    per_voter = max(1, votes // 2 // participants)
    started = time.perf_counter()
    done = 0
    for first in range(0, participants, 2000):
        people = await make_people(db, consultation.id, min(2000, participants - first), rnd)
        now = utcnow()
        answers = []
        for pid in people:
            answers += [
                {
                    "participant_id": pid,
                    "item_id": items["visits"].id,
                    "option_id": rnd.choice(options["visits"]),
                    "created_at": now,
                },
                {"participant_id": pid, "item_id": items["mood"].id, "value": rnd.randint(1, 5), "created_at": now},
                {
                    "participant_id": pid,
                    "item_id": items["why"].id,
                    "value": None if rnd.random() < 0.5 else f"Reason {rnd.randint(1, 500)}",
                    "created_at": now,
                },
                {
                    "participant_id": pid,
                    "item_id": items["budget"].id,
                    "value": sorted(rnd.sample(options["budget"], 3)),
                    "created_at": now,
                },
            ]
        await insert_rows(db, Answer, answers)
        ballots = vote_rows(items["ideas"].id, statements, people, per_voter, rnd)
        await insert_rows(db, ProposalVote, ballots)
        pairs = pair_rows(items["pairs"].id, proposals, people, per_voter, theta, rnd)
        await insert_rows(db, PairPrompt, pairs)
        done += len(ballots) + len(pairs)
        print(f"\r   filling: {done:,} votes", end="", file=sys.stderr, flush=True)
    print(
        f"\r   filled {done:,} votes and {4 * participants:,} answers in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    await db.dispose()


async def bench_results(url: str, reads: int, read_seconds: float) -> dict:
    db = Database(url)
    app = create_app(Settings(database_url=url, service_token=TOKEN, admins=[ORGANISER], _env_file=None), db)
    out: dict = {}
    async with db.session() as session:
        from storage.consultations import by_slug

        consultation = await by_slug(session, "bench-results")
        for segment in (None, "age_band"):
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                value = await results.compute_results(session, consultation, segment=segment, raw=True)
                runs.append(time.perf_counter() - started)
            out[f"compute_{segment or 'whole'}"] = runs
        out["votes"] = sum(i.get("votes", 0) + i.get("comparisons", 0) for i in value["items"])
        out["participants"] = value["participants"]

    # Reads through the route while votes keep arriving.
    latencies: list[float] = []
    stop = asyncio.Event()
    async with client_for(app) as http:
        await http.get("/organiser/consultations/bench-results/results")  # the first read computes

        async def writer() -> int:
            written = 0
            rnd = random.Random(11)
            async with db.session() as session:
                ideas = (await session.execute(select(Item.id).where(Item.key == "ideas"))).scalar_one()
                statements = list(
                    (await session.execute(select(Proposal.id).where(Proposal.item_id == ideas).limit(200))).scalars()
                )
            while not stop.is_set():
                pid = new_participant_id()
                async with db.session() as session:
                    session.add(Participant(id=pid))
                    await session.flush()
                    cid = (await session.execute(select(Item.consultation_id).where(Item.id == ideas))).scalar_one()
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
        while len(latencies) < reads or time.perf_counter() - started < read_seconds:
            t = time.perf_counter()
            response = await http.get("/organiser/consultations/bench-results/results")
            latencies.append(time.perf_counter() - t)
            assert response.status_code == 200
            await asyncio.sleep(0.005)
        out["read_seconds"] = time.perf_counter() - started
        stop.set()
        out["written"] = await task
        await cache.drain()
        out["recomputed"] = cache.computations - before
    out["read_p50_ms"] = 1000 * percentile(latencies, 50)
    out["read_p99_ms"] = 1000 * percentile(latencies, 99)
    out["reads"] = len(latencies)
    await app.state.selection.drain()
    await db.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--read-seconds", type=float, default=40.0)
    parser.add_argument("--only", choices=("next", "results"))
    args = parser.parse_args()
    database = "SQLite" if args.database_url is None or is_sqlite(args.database_url) else "PostgreSQL"
    print(
        f"viche results & selection benchmark — {database}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, {load()}"
    )

    if args.only in (None, "next"):
        print("\n1) participant `next` route, end to end (in-process ASGI), 300 participants walking the item")
        print(
            f"   {'item':<10}{'proposals':>10}{'selector build ms':>19}{'next p50 ms':>13}{'next p99 ms':>13}"
            f"{'calls':>7}"
        )
        for kind in ("pairs", "proposal"):
            for n in (100, 10_000):
                url = database_for_run(args.database_url, f"next-{kind}-{n}")
                r = asyncio.run(bench_next(url, n, kind))
                print(
                    f"   {kind:<10}{n:>10,}{r['build_ms']:>19.1f}{r['p50_ms']:>13.2f}{r['p99_ms']:>13.2f}"
                    f"{r['calls']:>7}"
                )
        print(f"   {load()}")

    if args.only in (None, "results"):
        print(f"\n2) full results of a consultation with {args.votes:,} votes, {args.participants:,} participants")
        url = database_for_run(args.database_url, "results")
        asyncio.run(fill_results(url, args.votes, args.participants))
        r = asyncio.run(bench_results(url, args.reads, args.read_seconds))
        print(f"   votes counted in the results: {r['votes']:,}; participants: {r['participants']:,}")
        for name in ("whole", "age_band"):
            runs = r[f"compute_{name}"]
            print(
                f"   computation, {name:<9} (no cache, 5 runs): median {1000 * statistics.median(runs):,.0f} ms, "
                f"max {1000 * max(runs):,.0f} ms"
            )
        print(
            f"   route reads while votes arrive: p50 {r['read_p50_ms']:.2f} ms, p99 {r['read_p99_ms']:.2f} ms "
            f"({r['reads']} reads in {r['read_seconds']:.1f} s, {r['written']} votes written meanwhile, "
            f"{r['recomputed']} background recomputations)"
        )
        print(f"   {load()}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    finally:
        for directory in TEMPORARY:
            shutil.rmtree(directory, ignore_errors=True)
