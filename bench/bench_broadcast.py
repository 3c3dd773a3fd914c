"""Broadcast benchmark: 10 000 recipients of a results digest against the fake Bot API enforcing Telegram's limits.

    python -m bench.bench_broadcast                       # 30/s, then 1000/s (paid broadcasts), SQLite
    python -m bench.bench_broadcast --limits 1000 --recipients 2000
    python -m bench.bench_broadcast --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
    VICHE_BENCH_PROFILE=/tmp/bb python -m bench.bench_broadcast …   # + cProfiles of the engine and of the fake

For each limit the fake Bot API runs in a process of its own (so that it does not share the engine's CPU), over
real HTTP, answering 429 to any send beyond ``limit`` per sliding second across chats, or beyond 1 per second in
one chat. It is served by a minimal HTTP/1.1 front (``_LeanFront``) so that its own HTTP stack does not eat the CPU
the engine is measured on (``--fake-front fastapi``: the sandbox's uvicorn + FastAPI app). The delivery engine is the
production one (``bot.delivery``) with the production delivery store, configured at ``--share`` of the limit
(default 1.0: the limit itself, which its pacer never exceeds). Reported, from the fake server's own clock:

* achieved rate: successful sends / (last send - first send), and as a share of the limit (target ≥ 95 %);
* 429s after the first second (target 0) and in total;
* duplicates: messages beyond the first in any chat (must be 0); recipients missed (must be 0);
* the engine's mean round trip (call start → answer handled) and CPU per message in each process.

The digest is the real one: a chart uploaded once per language, then reused by file_id, and a caption per person.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.errors import BotAPIError  # noqa: E402 - after the path above
from sandbox.request_body import parse_call  # noqa: E402

TOKEN = "1000001:bench-token"


# ---- the fake Bot API, in its own process -------------------------------------------------------------------


def _serve_fake(
    limit: int, chats: list[int], port_queue: multiprocessing.Queue, stop: multiprocessing.Event, front: str = "lean"
) -> None:
    import logging

    logging.disable(logging.WARNING)
    from sandbox.fake_bot_api import FakeBotAPI
    from sandbox.server import serve

    fake = FakeBotAPI()
    fake.call_log = deque()  # keep every call (the sandbox keeps the last few thousand)
    for chat in chats:
        fake.register_user(chat)
    fake.set_rate_limit(limit, 1)

    def stats() -> dict:
        sends = [c for c in fake.calls() if c["method"].lower() in ("sendphoto", "sendmessage")]
        ok = [sent["at"] for chat in chats for sent in fake.sent_messages(chat)]
        limited = [c["at"] for c in sends if c["status"] == 429]
        first = min(ok) if ok else 0.0
        per_chat = [fake.sent_count(chat) for chat in chats]
        return {
            "sent": len(ok),
            "first": first,
            "last": max(ok) if ok else 0.0,
            "cpu": time.process_time(),
            "count_429": len(limited),
            "count_429_after_first_second": sum(1 for at in limited if at > first + 1),
            "duplicates": sum(max(0, n - 1) for n in per_chat),
            "missed": sum(1 for n in per_chat if n == 0),
            "uploads": sum(
                1
                for c in fake.calls("sendPhoto")
                if str(c["params"].get("photo", "")).startswith("attach://") or not c["params"].get("photo")
            ),
        }

    async def main() -> None:
        if front == "lean":
            server = await asyncio.get_running_loop().create_server(lambda: _LeanFront(fake, stats), "127.0.0.1", 0)
            port_queue.put(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
            while not stop.is_set():
                await asyncio.sleep(0.2)
            server.close()
            return
        app = fake.app

        @app.get("/bench/stats")
        async def stats_route() -> dict:  # async: in the event loop, never beside it in a thread
            return stats()

        async with serve(app) as base_url:
            port_queue.put(base_url)
            while not stop.is_set():
                await asyncio.sleep(0.2)
            await fake.close()

    _run_profiled(main(), f"fake-{limit}")


def _run_profiled(coroutine, name: str):
    """``asyncio.run(coroutine)``, under cProfile into ``$VICHE_BENCH_PROFILE-<name>.prof`` when that is set."""
    prefix = os.environ.get("VICHE_BENCH_PROFILE")
    if not prefix:
        return asyncio.run(coroutine)
    import cProfile

    profile = cProfile.Profile()
    try:
        return profile.runcall(asyncio.run, coroutine)
    finally:
        profile.dump_stats(f"{prefix}-{name}.prof")


class _LeanFront(asyncio.Protocol):
    """The fake Bot API (``FakeBotAPI.call``: the same chats, files, limits and call log as in the sandbox) behind a
    minimal HTTP/1.1 server instead of uvicorn + FastAPI, whose own cost (~0.5 ms of CPU a request, on the same
    2 CPUs as the engine) would otherwise be what the benchmark measures at 1000/s. JSON, form and multipart
    bodies, keep-alive; ``--fake-front fastapi`` serves the sandbox's own app instead."""

    def __init__(self, fake, stats) -> None:
        self.fake, self.stats = fake, stats
        self.buffer = b""
        self.transport = None
        self.busy = False
        self._tasks: set[asyncio.Task] = set()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._next()

    def _next(self) -> None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].decode("latin-1").split("\r\n")
        headers = {}
        for line in head[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if len(self.buffer) < end + 4 + length:
            return
        body = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        _, path, _ = head[0].split(" ", 2)
        self.busy = True
        task = asyncio.ensure_future(self._answer(path, headers.get("content-type", ""), body))
        self._tasks.add(task)  # a reference, so the task is not collected while it runs
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, path: str, content_type: str, body: bytes) -> None:
        status, answer = 200, None
        if path == "/bench/stats":
            answer = self.stats()
        else:
            method = path.rsplit("/", 1)[-1]
            try:
                fields, files = parse_call(content_type, body)  # the sandbox's own parsing, without Starlette
                answer = {"ok": True, "result": await self.fake.call(method, fields, files)}
            except BotAPIError as error:
                status, answer = error.status, error.envelope()
        payload = json.dumps(answer, ensure_ascii=False).encode()
        self.transport.write(
            b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (status, len(payload), payload)
        )
        self.busy = False
        if self.buffer:
            self._next()


# ---- the consultation and its 10 000 participants ----------------------------------------------------------


async def _prepare(database_url: str, recipients: int) -> tuple[str, list[int]]:
    from sqlalchemy import insert, select

    from api.broadcast.outbox import create_digest
    from storage.consultations import save_definition
    from storage.db import Database
    from storage.models import Contact, Enrolment, Item, Participant, Proposal, ProposalVote
    from viche.loading import DEMO_FILE, read_definition

    db = Database(database_url)
    rng = random.Random(1)
    now = datetime.now(UTC)
    async with db.session() as session:
        definition = read_definition(DEMO_FILE).model_copy(update={"slug": f"bench-{int(time.time())}"})
        consultation = await save_definition(session, definition, status="open")
        chats = [10**9 + consultation.id * 10**6 + n for n in range(recipients)]  # fresh chats for each run
        items = (
            (
                await session.execute(
                    select(Item.id).where(Item.consultation_id == consultation.id, Item.kind == "proposal")
                )
            )
            .scalars()
            .all()
        )
        proposals = (
            await session.execute(select(Proposal.id, Proposal.item_id).where(Proposal.item_id.in_(items)))
        ).all()
        ids = [f"bench{consultation.id:05d}{n:08d}" for n in range(recipients)]
        for start in range(0, recipients, 2000):
            part = range(start, min(start + 2000, recipients))
            await session.execute(
                insert(Participant), [{"id": ids[n], "language": ("uk", "en")[n % 2], "created_at": now} for n in part]
            )
            await session.execute(
                insert(Contact),
                [
                    {"participant_id": ids[n], "channel": "telegram", "external_id": str(chats[n]), "created_at": now}
                    for n in part
                ],
            )
            await session.execute(
                insert(Enrolment),
                [
                    {
                        "participant_id": ids[n],
                        "consultation_id": consultation.id,
                        "consented_at": now,
                        "profile_done": [],
                        "created_at": now,
                    }
                    for n in part
                ],
            )
            await session.execute(
                insert(ProposalVote),
                [
                    {
                        "participant_id": ids[n],
                        "item_id": item,
                        "proposal_id": pid,
                        "choice": rng.choice(("agree", "agree", "disagree", "neutral")),
                        "created_at": now,
                    }
                    for n in part
                    for pid, item in proposals
                ],
            )
        await session.commit()
        consultation.status = "closed"
        await session.commit()
        _broadcast, _ = await create_digest(session, consultation, round_="final")
    await db.dispose()
    return consultation.slug, chats


async def _send(database_url: str, base_url: str, rate: float, paid: bool, expected: int, timeout: float) -> dict:
    import httpx
    from sqlalchemy import func, select

    from api.broadcast.store import SqlDeliveryStore
    from bot.delivery.config import DeliveryConfig
    from bot.delivery.engine import DeliveryEngine
    from bot.dispatcher import build_bot
    from storage.db import Database
    from storage.models_broadcast import Delivery

    db = Database(database_url)
    bot = build_bot(TOKEN, base_url)
    engine = DeliveryEngine(
        bot,
        SqlDeliveryStore(db),
        DeliveryConfig(
            rate=rate,
            allow_paid_broadcast=paid,
            poll_interval=0.05,
            schedule_interval=3600,
            progress_interval=3600,
            max_in_flight=max(16, int(rate / 10)),
        ),
    )
    started, cpu = time.monotonic(), time.process_time()
    task = asyncio.create_task(engine.run())
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        server_cpu = (await client.get("/bench/stats")).json()["cpu"]
        while True:
            await asyncio.sleep(1)
            stats = (await client.get("/bench/stats")).json()
            async with db.session() as session:
                open_rows = await session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.state.in_(("pending", "sending")))
                )
            print(
                f"  {time.monotonic() - started:6.1f}s  sent {stats['sent']:>6}/{expected}  "
                f"429s {stats['count_429']}  in flight {engine.pacer.in_flight}",
                flush=True,
            )
            if (not open_rows and not engine._in_flight) or time.monotonic() - started > timeout:
                break
        await engine.close()
        await task
        sender_cpu = time.process_time() - cpu
        stats = (await client.get("/bench/stats")).json()
        stats["sender_cpu_ms"] = round(1000 * sender_cpu / max(stats["sent"], 1), 2)
        stats["round_trip_ms"] = round(1000 * engine.stats.call_seconds / max(engine.stats.calls, 1), 2)
        stats["server_cpu_ms"] = round(1000 * (stats["cpu"] - server_cpu) / max(stats["sent"], 1), 2)
    async with db.session() as session:
        states = dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
    await bot.session.close()
    await db.dispose()
    stats["states"] = states
    return stats


def run_limit(limit: int, recipients: int, share: float, database_url: str, front: str = "lean") -> dict:
    """On PostgreSQL, a fresh database of its own (created, then dropped), so that runs never mix."""
    if not database_url.startswith("postgresql"):
        return _run_limit(limit, recipients, share, database_url, front)
    from bench.databases import drop_database, fresh_database

    name = f"viche_bench_broadcast_{limit}_{os.getpid()}"
    url = asyncio.run(fresh_database(database_url, name))
    try:
        return _run_limit(limit, recipients, share, url, front)
    finally:
        asyncio.run(drop_database(database_url, name))


def _run_limit(limit: int, recipients: int, share: float, database_url: str, front: str) -> dict:
    from storage.migrate import upgrade

    upgrade(database_url)
    slug, chats = asyncio.run(_prepare(database_url, recipients))
    context = multiprocessing.get_context("spawn")
    port_queue, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve_fake, args=(limit, chats, port_queue, stop, front), daemon=True)
    server.start()
    try:
        base_url = port_queue.get(timeout=120)
        rate = round(limit * share, 2)
        print(f"limit {limit}/s: sending {recipients} digests at {rate}/s ({slug})", flush=True)
        sending = _send(database_url, base_url, rate, limit > 30, recipients, timeout=recipients / rate * 3 + 900)
        stats = _run_profiled(sending, f"sender-{limit}")
    finally:
        stop.set()
        server.join(timeout=10)
        if server.is_alive():
            server.kill()
    span = max(stats["last"] - stats["first"], 1e-9)
    achieved = (stats["sent"] - 1) / span if stats["sent"] > 1 else 0.0
    return {
        "limit": limit,
        "configured_rate": rate,
        "recipients": recipients,
        "sent": stats["sent"],
        "seconds": round(span, 2),
        "achieved_rate": round(achieved, 2),
        "share_of_limit": round(achieved / limit, 4),
        "429_total": stats["count_429"],
        "429_after_first_second": stats["count_429_after_first_second"],
        "duplicates": stats["duplicates"],
        "missed": stats["missed"],
        "chart_uploads": stats["uploads"],
        "outbox_states": stats["states"],
        "sender_cpu_ms_per_message": stats["sender_cpu_ms"],
        "mean_round_trip_ms": stats["round_trip_ms"],
        "fake_server_cpu_ms_per_message": stats["server_cpu_ms"],
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--limits", type=int, nargs="+", default=[30, 1000])
    parser.add_argument(
        "--share", type=float, default=1.0, help="sender rate as a share of the limit (default: the limit)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (a fresh database is made on it for each limit); "
        "default: a fresh SQLite file per limit",
    )
    parser.add_argument(
        "--fake-front",
        choices=("lean", "fastapi"),
        default="lean",
        help="how the fake Bot API is served: a minimal HTTP/1.1 server (default) or the sandbox's "
        "FastAPI app under uvicorn",
    )
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for limit in args.limits:
            url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench-{limit}.db"
            result = run_limit(limit, args.recipients, args.share, url, args.fake_front)
            results.append(result)
            print(json.dumps(result, indent=2), flush=True)
    print(
        "\n| limit | sender rate | recipients | time | achieved | share of limit | 429 after 1st s | duplicates "
        "| missed | CPU ms/msg sender, fake | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['limit']}/s | {r['configured_rate']}/s | {r['recipients']} | {r['seconds']} s | "
            f"{r['achieved_rate']}/s | {r['share_of_limit']:.1%} | {r['429_after_first_second']} | "
            f"{r['duplicates']} | {r['missed']} | {r['sender_cpu_ms_per_message']}, "
            f"{r['fake_server_cpu_ms_per_message']} | {r['load_average'][0]} on {r['cpus']} CPUs |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    ok = all(
        r["share_of_limit"] >= 0.95 and r["429_after_first_second"] == 0 and r["duplicates"] == 0 and r["missed"] == 0
        for r in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    sys.exit(main())
