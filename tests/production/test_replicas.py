"""Several bot replicas on one PostgreSQL (issue 23): three ``viche run --webhook`` processes and one ``viche api``,
each a process of its own on the test's database, with the fake Bot API playing Telegram and the reverse proxy:
it delivers each update to the replicas in turn, 10 % of them also to another replica at the same moment, and
one replica is killed (SIGKILL) while a crowd votes, then started again.

What a person (or an operator) would notice: every vote a person saw acknowledged is stored exactly once; every
button press is answered once (Telegram refuses a second answer, so a duplicate handling shows); one person's
updates are handled in the order they were sent, even when they reach three replicas at once; an organiser's
pause made through one replica stops voting on the others within a second (measured); a /forget made through
one replica is honoured by the others at once; exactly one process sends broadcasts, and another takes over
when it dies.

PostgreSQL only: SQLite is one process's database (a second process would wait on its lock, never share it)."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from bench.cluster import BOT_TOKEN, ORGANISER, WEBHOOK_SECRET, Cluster, Member
from sandbox.server import serve
from storage.leadership import LOCK
from storage.models import Contact
from storage.models_webhook import ProcessedUpdate
from tests.crowd import CrowdFake, Outcome, crowd, stored

pytestmark = pytest.mark.skipif(
    not os.environ.get("VICHE_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="replicas share a database server: PostgreSQL only (SQLite is one process's database)",
)

CROWD = range(7_300_001, 7_300_031)  # 30 people walking the whole demo consultation
BOT_ID = int(BOT_TOKEN.split(":")[0])
VOTERS = range(7_400_001, 7_400_021)  # people waiting at a proposal when the organiser pauses


class PressLog(CrowdFake):
    """The fake Bot API, remembering each chat's presses in the order the person made them."""

    def __init__(self) -> None:
        super().__init__()
        self.pressed: dict[int, list[str]] = defaultdict(list)

        self.query_of: dict[int, tuple[int, str]] = {}
        """update id → (chat, callback query id)"""

    async def press_button(self, chat_id: int, message_id: int, callback_data: str, **kwargs: Any) -> dict[str, Any]:
        query = await super().press_button(chat_id, message_id, callback_data, **kwargs)
        self.pressed[chat_id].append(query["id"])
        return query

    def _push(self, body: dict[str, Any]) -> dict[str, Any]:
        update = super()._push(body)
        if "callback_query" in update:
            query = update["callback_query"]
            self.query_of[update["update_id"]] = (query["message"]["chat"]["id"], query["id"])
        return update


# ---- updates sent straight to one replica (as the proxy would route them), bypassing the round robin ----------


def _next_update_id(fake: CrowdFake) -> int:
    update_id = fake.updates.next_id
    fake.updates.next_id = update_id + 1
    return update_id


def text_update(fake: CrowdFake, chat: int, text_: str) -> dict[str, Any]:
    user = fake._user(chat)
    message = {
        "message_id": 10_000 + _next_update_id(fake),
        "date": int(time.time()),
        "text": text_,
        "from": user,
        "chat": {"id": chat, "type": "private", "first_name": user["first_name"]},
    }
    if text_.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text_.split()[0])}]
    return {"update_id": _next_update_id(fake), "message": message}


def press_update(fake: CrowdFake, chat: int, label: str) -> dict[str, Any]:
    message = next(m for m in reversed(fake.messages(chat)) if m.get("buttons"))
    button = next(b for row in message["buttons"] for b in row if label in b["text"])
    stored_message = fake.chats.get(chat).messages[message["message_id"]].message
    query_id = str(secrets.randbits(63))
    fake.open_callback_queries[query_id] = {"chat_id": chat, "message_id": message["message_id"]}
    query = {
        "id": query_id,
        "from": fake._user(chat),
        "message": stored_message,
        "chat_instance": str(chat),
        "data": button["callback_data"],
    }
    return {"update_id": _next_update_id(fake), "callback_query": query}


async def post(member: Member, update: dict[str, Any]) -> int:
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(
            member.webhook_url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        )
    return response.status_code


def answer_to(fake: CrowdFake, chat: int, query_id: str) -> str | None:
    return next((a["text"] for a in fake.callback_answers(chat) if a["callback_query_id"] == query_id), None)


# ---- the cluster's broadcast sender --------------------------------------------------------------------------


async def senders(cluster: Cluster) -> list[str]:
    """The members whose /metrics say they send broadcasts."""
    alive = [m for m in cluster.members if m.process is not None and m.process.poll() is None]
    values = await asyncio.gather(*(cluster.metric(m, "viche_broadcast_sender") for m in alive))
    return [m.name for m, value in zip(alive, values, strict=True) if value == 1.0]


async def one_sender(cluster: Cluster, db: Any, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while True:
        now = await senders(cluster)
        async with db.session() as s:
            locks = await s.scalar(
                # pg_locks is the server's: other databases' processes take the same key (the lock's tag has the
                # database in it), so count this database's only.
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :a AND objid = :b"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"a": LOCK[0], "b": LOCK[1]},
            )
        if len(now) == 1 and locks == 1:
            return now[0]
        assert time.monotonic() < deadline, f"senders {now}, {locks} leadership locks"
        await asyncio.sleep(0.2)


async def _claimed(db: Any, update_id: int) -> bool:
    async with db.session() as s:
        return await s.get(ProcessedUpdate, (BOT_ID, update_id)) is not None


def _about(call: dict[str, Any], chat: int) -> bool:
    return str(call["params"].get("chat_id")) == str(chat)


# ---- the test ----------------------------------------------------------------------------------------------------


async def reach_a_proposal(fake: CrowdFake, chat: int) -> None:
    """/start, English, consent, an age: at the first proposal (through the round robin)."""
    await fake.send_text(chat, "/start", language_code="en", first_name=f"Voter{chat}")
    assert await fake.until(chat, lambda: any(m.get("buttons") for m in fake.messages(chat)), 60)
    for label in ("English", "✅", None):
        message = next(m for m in reversed(fake.messages(chat)) if m.get("buttons"))
        buttons = [b for row in message["buttons"] for b in row]
        button = next(b for b in buttons if label in b["text"]) if label else buttons[1]
        answered = len(fake.callback_answers(chat))
        await fake.press_button(chat, message["message_id"], button["callback_data"])
        assert await fake.until(chat, lambda answered=answered: len(fake.callback_answers(chat)) > answered, 60)
        await fake.wait_until_idle(timeout=30, quiet=0.1)  # the answer may come before the next screen
    await fake.wait_until_idle(timeout=30, quiet=0.1)
    assert any("👍" in b["text"] for m in fake.messages(chat)[-1:] for row in m.get("buttons") or [] for b in row)


async def test_three_replicas_and_an_api_on_one_database(db, demo, database_url, tmp_path):
    fake = PressLog()
    async with serve(fake.app) as fake_url:
        cluster = Cluster(database_url, fake_url, tmp_path)
        cluster.add_api()
        cluster.add_replicas(3)
        fake.webhook.upstreams = [r.webhook_url for r in cluster.replicas]
        fake.webhook.duplicate_share = 0.10
        try:
            async with asyncio.timeout(600):
                await _run(fake, cluster, db, demo)
        except BaseException:
            keep = os.environ.get("VICHE_TEST_KEEP_LOGS")  # a folder to copy the processes' logs to
            if keep:
                os.makedirs(keep, exist_ok=True)
                for member in cluster.members:
                    if member.log.exists():
                        (Path(keep) / member.log.name).write_text(member.log.read_text(errors="replace"))
                stuck = {
                    chat: [(c["at"], c["method"], c["status"], c["params"]) for c in fake.calls() if _about(c, chat)]
                    for chat in CROWD
                    if not any(m.get("text", "").startswith("Thank you") for m in fake.messages(chat))
                }
                answers = {chat: fake.callback_answers(chat) for chat in stuck}
                claims = {}
                async with db.session() as s:
                    for u, (chat, _) in fake.query_of.items():
                        if chat in stuck:
                            row = await s.get(ProcessedUpdate, (BOT_ID, u))
                            claims[u] = row and (row.holder, row.lease_until, row.running, row.processed_at)
                (Path(keep) / "stuck.txt").write_text(
                    repr({"stuck": stuck, "query_of": fake.query_of, "answers": answers, "claims": claims})
                )
            for member in cluster.members:  # what each process said, for the failure report
                lines = member.log.read_text(errors="replace").splitlines() if member.log.exists() else []
                print(f"---- {member.name}\n" + "\n".join(line for line in lines if " INFO " not in line)[-4000:])
            raise
        finally:
            cluster.stop_all()
            await fake.close()


async def _run(fake: PressLog, cluster: Cluster, db: Any, demo: str) -> None:
    await cluster.start_all()
    await fake.wait_for(lambda: fake.webhook.active, timeout=60, what="the webhook registered")
    first_sender = await one_sender(cluster, db)

    # A crowd votes through the three replicas; one of them is killed mid-run and started again.
    started = time.perf_counter()
    walking = asyncio.create_task(crowd(fake, CROWD, step_timeout=60))
    while len(fake.calls("answerCallbackQuery")) < len(CROWD) * 5:  # everyone some way in
        assert not walking.done(), walking
        await asyncio.sleep(0.05)
    # A replica that is not the broadcast sender (the sender's death is tested at the end, on its own).
    victim = next(replica for replica in cluster.replicas if replica.name != first_sender)
    cluster.kill(victim)
    # Updates the victim was handling as it died: one whose effects were committed and whose reply was sent,
    # but not yet answered to Telegram, is delivered again and handled again, replying twice (stored once).
    # Nothing can tell a process that died after its reply from one that died before it.
    dying = {fake.query_of[u] for u in fake.webhook.posting.get(victim.webhook_url, ()) if u in fake.query_of}
    await asyncio.sleep(1)
    await cluster.restart(victim)
    walks = await walking
    outcome = Outcome(walks, await stored(db, CROWD), Counter(), time.perf_counter() - started)
    print(outcome.summary(), f"; {fake.webhook.duplicates} duplicate deliveries")
    assert fake.webhook.duplicates > 0
    assert outcome.failures == 0 and outcome.stuck == 0 and outcome.finished == len(CROWD), outcome.summary()
    assert outcome.lost() == 0 and outcome.duplicates() == 0, outcome.summary()

    # Every press answered once (a second answerCallbackQuery is refused by Telegram: a duplicate handling),
    # and each person's presses answered in the order they made them.
    answers = fake.calls("answerCallbackQuery")
    refused = {a["params"]["callback_query_id"] for a in answers if a["status"] != 200}
    twice = {q for q, n in Counter(a["params"]["callback_query_id"] for a in answers).items() if n > 1}
    died_with = {query for _, query in dying}
    print(f"{len(dying)} presses under way on the killed replica; {len(twice)} answered twice")
    assert refused <= died_with and twice <= died_with, (refused, twice, dying)
    for chat in CROWD:
        answered = [a["callback_query_id"] for a in fake.callback_answers(chat)]
        assert answered == fake.pressed[chat], chat
    sends = Counter(fake.sent_count(chat) for chat in CROWD if chat not in {c for c, _ in dying})
    assert len(sends) == 1, f"messages sent per person differ (a duplicate reply?): {sends}"

    await _updates_of_one_person_reaching_three_replicas_at_once(fake, cluster, db)
    await _a_forget_through_one_replica_is_honoured_by_the_others(fake, cluster, db)
    await _a_pause_through_one_replica_stops_voting_on_the_others_within_a_second(fake, cluster, demo)

    # Exactly one sender throughout; when it dies, another process takes over.
    assert await one_sender(cluster, db) == first_sender
    leader = next(m for m in cluster.members if m.name == first_sender)
    cluster.kill(leader)
    killed_at = time.monotonic()
    successor = await one_sender(cluster, db)
    print(f"broadcast sender {first_sender} killed; {successor} took over in {time.monotonic() - killed_at:.1f} s")
    assert successor != first_sender


async def _updates_of_one_person_reaching_three_replicas_at_once(fake: PressLog, cluster: Cluster, db: Any) -> None:
    """Telegram may open several connections: /start, /help and /mydata of one person, each sent to another
    replica as soon as the one before reached its replica's database (or 1 s at most), all three under way
    together, are answered in that order: each waits for the person's previous one."""
    chat = 7_500_001
    fake.register_user(chat, first_name="Burst")
    updates = [text_update(fake, chat, command) for command in ("/start", "/help", "/mydata")]
    sending = []
    for replica, update in zip(cluster.replicas, updates, strict=True):
        sending.append(asyncio.create_task(post(replica, update)))
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and not await _claimed(db, update["update_id"]):
            await asyncio.sleep(0.01)
    assert await asyncio.gather(*sending) == [200, 200, 200]
    await fake.wait_until_idle(timeout=30, quiet=0.05)
    texts = [m.get("text") or m.get("caption") or "" for m in fake.sent_messages(chat)]
    assert len(texts) >= 3, texts
    assert "Choose your language" in texts[0] and "I run public consultations" in texts[1], texts
    assert not any("I have no data" in t for t in texts), texts  # /mydata came after /start created them


async def _a_forget_through_one_replica_is_honoured_by_the_others(fake: PressLog, cluster: Cluster, db: Any) -> None:
    chat = 7_600_001
    await reach_a_proposal(fake, chat)
    a, b, c = cluster.replicas
    for replica in (b, c):  # both remember the person now (language, consultation)
        assert await post(replica, text_update(fake, chat, "/start")) == 200
    await fake.wait_until_idle(timeout=30, quiet=0.05)
    assert await post(a, text_update(fake, chat, "/forget")) == 200
    assert await post(a, press_update(fake, chat, "Yes")) == 200
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Contact).where(Contact.external_id == str(chat))) == 0
    for replica in (b, c):  # at once: the very next update, on another replica, meets a new participant
        before = len(fake.sent_messages(chat))
        assert await post(replica, text_update(fake, chat, "/start")) == 200
        await fake.wait_until_idle(timeout=30, quiet=0.05)
        reply = fake.sent_messages(chat)[before:]
        assert reply and "Choose your language" in (reply[-1].get("text") or ""), (replica.name, reply)


async def _a_pause_through_one_replica_stops_voting_on_the_others_within_a_second(
    fake: PressLog, cluster: Cluster, demo: str
) -> None:
    await asyncio.gather(*(reach_a_proposal(fake, chat) for chat in VOTERS))
    a, b, c = cluster.replicas
    fake.register_user(ORGANISER, first_name="Organiser")
    assert await post(a, text_update(fake, ORGANISER, f"/pause {demo}")) == 200
    paused_at = time.monotonic()
    outcomes: list[tuple[float, bool]] = []
    for i, chat in enumerate(VOTERS):  # a vote every 75 ms, on the two other replicas in turn, for 1.5 s
        update = press_update(fake, chat, "👍")
        sent = time.monotonic() - paused_at
        assert await post((b, c)[i % 2], update) == 200
        await fake.wait_until_idle(timeout=30, quiet=0.02)
        outcomes.append((sent, answer_to(fake, chat, update["callback_query"]["id"]) == "Saved ✓"))
        await asyncio.sleep(max(0.0, 0.075 * (i + 1) - (time.monotonic() - paused_at)))
    accepted = [at for at, saved in outcomes if saved]
    print(f"pause: votes still accepted up to {max(accepted, default=0) * 1000:.0f} ms after it; {outcomes}")
    assert all(at < 1.0 for at in accepted), outcomes
    assert not outcomes[-1][1]
