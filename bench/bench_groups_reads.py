"""Benchmark: reads of ``GET /v1/consultations/{slug}/groups`` while votes arrive and the opinion groups are
recomputed in the background (``api/opinion_groups.py``'s ``GroupsRefresher``, as ``viche run`` starts it).

    python -m bench.bench_groups_reads                       # SQLite in a temporary directory
    python -m bench.bench_groups_reads --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_groups
    python -m bench.bench_groups_reads --participants 3000 --statements 200 --votes 150000 --read-seconds 30

A consultation with one agree / disagree item of ``--statements`` statements and ``--votes`` votes of
``--participants`` participants in two planted camps (``bench.bench_groups.planted_votes``), its groups computed
once. Then, in-process (ASGI, the real app and database), a partner reads ``/groups`` as fast as it can, twice:

1. the reference: nothing else happens (no vote, no recomputation);
2. while a writer posts votes through the participant API (``--rate`` per second, new participants voting on
   random statements) and the refresher (every ``--interval`` seconds) recomputes the groups whenever they changed.

For each: p50 / p99 / max of the reads, how many, the groups' ``computed_at`` values the reads saw (each a finished
recomputation) and the longest pause of the event loop (a 10 ms ticker's worst lateness). A read never waits for a
computation: it reads the row the last one stored, while the next runs in a worker thread.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from sqlalchemy import select  # noqa: E402

from api.app import create_app  # noqa: E402
from api.opinion_groups import GroupsRefresher, recompute  # noqa: E402
from bench.bench_groups import planted_votes  # noqa: E402
from bench.bench_results import TOKEN, database_for_run, insert_rows, load, make_people, percentile  # noqa: E402
from core.definition import ConsultationDef  # noqa: E402
from core.settings import Settings  # noqa: E402
from storage.consultations import save_definition  # noqa: E402
from storage.db import Database, is_sqlite  # noqa: E402
from storage.models import Item, Proposal, ProposalVote, utcnow  # noqa: E402
from viche.keys import create_key  # noqa: E402

SLUG = "bench-groups"
CHOICE = {1: "agree", -1: "disagree", 0: "neutral"}


async def fill(url: str, participants: int, statements: int, votes: int) -> tuple[int, list[str], list[int]]:
    """The consultation and its planted votes; (its id, the participants who may still vote, the statements)."""
    db = Database(url)
    definition = {
        "slug": SLUG,
        "title": {"en": "Groups benchmark"},
        "languages": ["en"],
        "default_language": "en",
        "items": [
            {
                "key": "ideas",
                "type": "proposal",
                "prompt": {"en": "Agree?"},
                "proposals": [{"en": f"Statement {i:04d} for the benchmark"} for i in range(statements)],
            }
        ],
    }
    async with db.session() as session:
        consultation = await save_definition(session, ConsultationDef.model_validate(definition), status="open")
        item_id = (await session.execute(select(Item.id).where(Item.consultation_id == consultation.id))).scalar_one()
        proposal_ids = list(
            (await session.execute(select(Proposal.id).where(Proposal.item_id == item_id).order_by(Proposal.id)))
            .scalars()
            .all()
        )
    rnd = random.Random(3)
    people = await make_people(db, consultation.id, participants, rnd)
    rows, _ = planted_votes(participants, statements, votes, groups=2)
    now = utcnow()
    await insert_rows(
        db,
        ProposalVote,
        [
            {
                "participant_id": people[person],
                "item_id": item_id,
                "proposal_id": proposal_ids[statement],
                "choice": CHOICE[vote],
                "qualification": None,
                "created_at": now,
            }
            for person, statement, vote in rows
        ],
    )
    newcomers = await make_people(db, consultation.id, 5_000, rnd)  # who votes while the reads go on
    await db.dispose()
    return int(consultation.id or 0), newcomers, proposal_ids


async def measure(url: str, newcomers: list[str], statements: list[int], args: argparse.Namespace) -> dict:
    db = Database(url)
    consultation_id = await _consultation_id(db)
    first = await recompute(db, consultation_id)
    key, _ = await create_key(db, "bench", [SLUG], rate_per_minute=10_000_000)
    app = create_app(Settings(database_url=url, service_token=TOKEN, _env_file=None), db)
    out: dict = {"k": first.k, "sizes": first.sizes, "first_seconds": first.seconds}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=None) as http:
        partner = {"Authorization": f"Bearer {key}"}

        async def reads(seconds: float) -> dict:
            latencies, seen, lateness = [], set(), [0.0]
            done = asyncio.Event()

            async def ticker() -> None:
                while not done.is_set():
                    started = time.perf_counter()
                    await asyncio.sleep(0.01)
                    lateness[0] = max(lateness[0], time.perf_counter() - started - 0.01)

            tick = asyncio.create_task(ticker())
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                t = time.perf_counter()
                response = await http.get(f"/v1/consultations/{SLUG}/groups", headers=partner)
                latencies.append(time.perf_counter() - t)
                assert response.status_code == 200, response.text
                seen.add(response.json()["computed_at"])
                await asyncio.sleep(0.005)
            done.set()
            await tick
            return {
                "p50_ms": 1000 * percentile(latencies, 50),
                "p99_ms": 1000 * percentile(latencies, 99),
                "max_ms": 1000 * max(latencies),
                "reads": len(latencies),
                "computed": len(seen),
                "pause_ms": 1000 * lateness[0],
            }

        await http.get(f"/v1/consultations/{SLUG}/groups", headers=partner)  # warm the statement caches
        out["reference"] = await reads(args.read_seconds)

        stop = asyncio.Event()

        async def writer() -> int:
            written, rnd = 0, random.Random(11)
            for pid in newcomers:
                for proposal in rnd.sample(statements, min(10, len(statements))):
                    if stop.is_set():
                        return written
                    answer = await http.post(
                        f"/participant/{pid}/votes",
                        json={"proposal_id": proposal, "choice": rnd.choice(("agree", "disagree", "neutral"))},
                        headers={"Authorization": f"Bearer {TOKEN}"},
                    )
                    assert answer.status_code == 200, answer.text
                    written += 1
                    await asyncio.sleep(1 / args.rate)
            return written

        refresher = GroupsRefresher(db, interval=args.interval).start()
        task = asyncio.create_task(writer())
        try:
            out["while_voting"] = await reads(args.read_seconds)
        finally:
            stop.set()
            out["written"] = await task
            await refresher.stop()
    async with db.session() as session:
        from storage.models_groups import OpinionGroups

        last = await session.get(OpinionGroups, consultation_id)
        out["last_seconds"] = last.seconds if last else None
    await db.dispose()
    return out


async def _consultation_id(db: Database) -> int:
    from storage.models import Consultation

    async with db.session() as session:
        return int((await session.execute(select(Consultation.id).where(Consultation.slug == SLUG))).scalar_one())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--participants", type=int, default=3_000)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--votes", type=int, default=150_000)
    parser.add_argument("--read-seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=20.0, help="votes posted per second while reading")
    parser.add_argument("--interval", type=float, default=1.0, help="the refresher's wake-up interval (s)")
    args = parser.parse_args()
    database = "SQLite" if args.database_url is None or is_sqlite(args.database_url) else "PostgreSQL"
    print(
        f"viche /groups reads while votes arrive — {database}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, {load()}"
    )
    url = database_for_run(args.database_url, "groups-reads")
    _, newcomers, statements = asyncio.run(fill(url, args.participants, args.statements, args.votes))
    r = asyncio.run(measure(url, newcomers, statements, args))
    print(
        f"{args.participants:,} participants × {args.statements:,} statements, {args.votes:,} planted votes: "
        f"{r['k']} groups {r['sizes']}, first computation {r['first_seconds']:.2f} s"
    )
    print(
        f"   {'reads of /groups':<40}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'reads':>7}{'groups seen':>13}"
        f"{'loop pause ms':>15}"
    )
    for name, label in (("reference", "reference (nothing else)"), ("while_voting", "while votes arrive + refresher")):
        x = r[name]
        print(
            f"   {label:<40}{x['p50_ms']:>9.2f}{x['p99_ms']:>9.2f}{x['max_ms']:>9.1f}{x['reads']:>7}"
            f"{x['computed']:>13}{x['pause_ms']:>15.1f}"
        )
    print(
        f"   {r['written']} votes posted meanwhile ({args.rate:g}/s); "
        f"the last recomputation took {r['last_seconds']:.2f} s; {load()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
