"""The delivery engine against the fake Bot API over real HTTP: everyone exactly once, within the rate limits; a 429
pauses everyone; a 403 marks the participant unreachable; 5xx retry with backoff; a live progress message."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from api.broadcast.outbox import create_digest, create_invitations, set_preference
from api.broadcast.store import Result
from bot.delivery.config import DeliveryConfig
from bot.delivery.engine import DeliveryEngine
from storage.consultations import by_slug, save_definition
from storage.models_broadcast import Broadcast, Delivery, MessagingPref
from tests.broadcast.support import crowd, min_group
from viche.loading import DEMO_FILE, read_definition

ORGANISER_CHAT = 900001
SENDS = ("sendphoto", "sendmessage")


def config(**overrides) -> DeliveryConfig:
    values = {
        "rate": 29,
        "poll_interval": 0.05,
        "progress_interval": 0.3,
        "schedule_interval": 3600,
        "backoff_base": 0.2,
        **overrides,
    }
    return DeliveryConfig(**values)


async def queue_digest(db, slug: str, round_: str = "final", **kwargs) -> Broadcast:
    async with db.session() as session:
        broadcast, created = await create_digest(session, await by_slug(session, slug), round_=round_, **kwargs)
    assert created
    return broadcast


async def open_rows(db) -> int:
    async with db.session() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .join(Broadcast)
                .where(Delivery.state.in_(("pending", "sending")), Broadcast.status == "running")
            )
            or 0
        )


async def run_until_sent(engine: DeliveryEngine, db, timeout: float = 30, settle: float = 0.0) -> None:
    task = asyncio.create_task(engine.run())
    deadline = time.monotonic() + timeout
    try:
        while await open_rows(db) or engine._in_flight or not engine._results.empty():
            assert time.monotonic() < deadline, f"{await open_rows(db)} rows still open after {timeout}s"
            assert not task.done(), task.exception()
            await asyncio.sleep(0.05)
        await asyncio.sleep(settle)
    finally:
        await engine.close()
        await task


def sends(fake, chat_id: int | None = None) -> list[dict]:
    return [
        c
        for c in fake.calls()
        if c["method"].lower() in SENDS and (chat_id is None or str(c["params"].get("chat_id")) == str(chat_id))
    ]


async def test_everyone_once_in_their_language_chart_uploaded_once_per_language(db, demo, fake, bot, store):
    chats = list(range(1000, 1040))
    for chat in chats:
        fake.register_user(chat)
    await crowd(db, demo, chats, languages=("uk", "en"))
    broadcast = await queue_digest(db, demo)
    fake.set_rate_limit(30, 1)
    engine = DeliveryEngine(bot, store, config())
    await run_until_sent(engine, db)
    assert [fake.sent_count(chat) for chat in chats] == [1] * len(chats)
    assert fake.count_429 == 0
    uploads = [
        c
        for c in fake.calls("sendPhoto")
        if not str(c["params"].get("photo", "")).strip() or str(c["params"].get("photo")).startswith("attach://")
    ]
    assert len(uploads) == 2  # one per language; every other message reuses Telegram's file_id
    ukrainian, english = fake.messages(chats[0])[0], fake.messages(chats[1])[0]
    assert ukrainian["kind"] == "photo" and english["kind"] == "photo"
    assert "You agreed with the majority" in english["text"]
    assert "You agreed with the majority" not in ukrainian["text"] and "👥" in ukrainian["text"]
    async with db.session() as session:
        rows = (await session.execute(select(Delivery))).scalars().all()
        finished = await session.get(Broadcast, broadcast.id)
    assert {row.state for row in rows} == {"sent"} and all(row.message_id for row in rows)
    assert finished.status == "finished" and finished.started_at and finished.finished_at


async def test_a_429_pauses_all_sending_for_retry_after(db, demo, fake, bot, store):
    chats = list(range(1100, 1130))
    for chat in chats:
        fake.register_user(chat)
    await crowd(db, demo, chats, languages=("en",))
    await queue_digest(db, demo)
    fake.fail_next("sendPhoto", 429, retry_after=2)
    engine = DeliveryEngine(bot, store, config())
    await run_until_sent(engine, db)
    assert [fake.sent_count(chat) for chat in chats] == [1] * len(chats)
    limited = [c for c in sends(fake) if c["status"] == 429]
    assert len(limited) == 1 and engine.stats.rate_limited == 1
    after = [c["at"] - limited[0]["at"] for c in sends(fake) if c["at"] > limited[0]["at"]]
    assert after and min(after) >= 1.95, f"a call {min(after):.3f}s after the 429 (retry_after 2)"
    async with db.session() as session:
        limited_row = (await session.execute(select(Delivery).where(Delivery.attempts > 1))).scalars().all()
    assert limited_row == []  # the 429 did not count as an attempt


async def test_403_marks_unreachable_and_is_never_retried(db, demo, fake, bot, store):
    chats = list(range(1200, 1210))
    for chat in chats:
        fake.register_user(chat)
    ids = await crowd(db, demo, chats)
    blocked = chats[3:5]
    for chat in blocked:
        fake.block_chat(chat)
    async with db.session() as session:  # one of them already has a preference row (it is updated, not added)
        await set_preference(session, ids[blocked[0]], digests=True)
    await queue_digest(db, demo, round_="week-1")
    await run_until_sent(DeliveryEngine(bot, store, config()), db)
    assert [len(sends(fake, chat)) for chat in blocked] == [1, 1]
    assert [fake.sent_count(chat) for chat in chats if chat not in blocked] == [1] * 8
    async with db.session() as session:
        states = dict((await session.execute(select(Delivery.participant_id, Delivery.state))).all())
        prefs = {p.participant_id: p for p in (await session.execute(select(MessagingPref))).scalars()}
        assert {states[ids[chat]] for chat in blocked} == {"unreachable"}
        assert {pid for pid, pref in prefs.items() if pref.unreachable_at} == {ids[chat] for chat in blocked}
        # The next round leaves them out.
        broadcast, _ = await create_digest(session, await by_slug(session, demo), round_="week-2")
    assert broadcast.total == 8


async def test_server_errors_retry_with_backoff_up_to_a_limit(db, demo, fake, bot, store):
    chats = list(range(1300, 1306))
    for chat in chats:
        fake.register_user(chat)
    await crowd(db, demo, chats, languages=("en",))
    await min_group(db, demo, len(chats))
    await queue_digest(db, demo)
    fake.fail_next("sendPhoto", 502, count=2)
    engine = DeliveryEngine(bot, store, config())
    await run_until_sent(engine, db)
    assert [fake.sent_count(chat) for chat in chats] == [1] * len(chats)
    assert engine.stats.retried == 2
    async with db.session() as session:
        attempts = sorted((await session.execute(select(Delivery.attempts))).scalars())
    assert attempts[-1] >= 2 and sum(attempts) == len(chats) + 2

    # When sends keep failing, each row gives up after max_attempts.
    await queue_digest(db, demo, round_="again")
    fake.fail_next("sendPhoto", 500, count=100)
    await run_until_sent(DeliveryEngine(bot, store, config(max_attempts=3)), db)
    async with db.session() as session:
        rows = (await session.execute(select(Delivery).where(Delivery.round == "again"))).scalars().all()
    assert {(row.state, row.attempts) for row in rows} == {("failed", 3)} and "Server" in rows[0].last_error
    assert [fake.sent_count(chat) for chat in chats] == [1] * len(chats)


async def test_progress_message_is_edited_in_place(db, demo, fake, bot, store):
    chats = list(range(1400, 1450))
    for chat in chats + [ORGANISER_CHAT]:
        fake.register_user(chat)
    await crowd(db, demo, chats)
    await queue_digest(db, demo, organiser_chat_id=ORGANISER_CHAT, organiser_language="en")
    engine = DeliveryEngine(bot, store, config(progress_interval=0.4))
    await run_until_sent(engine, db, settle=1.0)
    messages = fake.messages(ORGANISER_CHAT)
    assert len(messages) == 1 and messages[0]["edited"]
    assert len(fake.calls("editMessageText")) >= 2  # edited while it ran, then the final figures
    text = messages[0]["text"]
    assert "Digest of" in text and "Sent: 50 of 50" in text and "Finished in" in text, text
    assert "Remaining" not in text


async def test_opt_out_after_queueing_and_invitations(db, demo, fake, bot, store):
    chats = list(range(1500, 1506))
    for chat in chats:
        fake.register_user(chat)
    ids = await crowd(db, demo, chats, languages=("en",))
    await min_group(db, demo, len(chats))
    await queue_digest(db, demo)
    async with db.session() as session:
        session.add(MessagingPref(participant_id=ids[chats[0]], stopped=True))
        session.add(MessagingPref(participant_id=ids[chats[1]], digests=False))
        await session.commit()
        definition = read_definition(DEMO_FILE).model_copy(update={"slug": "second-round"})
        second = await save_definition(session, definition, status="open")
        invitations, created = await create_invitations(session, second)
    assert created and invitations.total == 5  # /stop silences invitations too; digests off does not
    await run_until_sent(DeliveryEngine(bot, store, config()), db)
    assert fake.sent_count(chats[0]) == 0
    assert fake.sent_count(chats[1]) == 1 and fake.messages(chats[1])[0]["kind"] == "text"  # the invitation
    assert [fake.sent_count(chat) for chat in chats[2:]] == [2] * 4
    [invitation] = [m for m in fake.messages(chats[2]) if m["kind"] == "text"]
    assert "A new consultation is open" in invitation["text"]
    assert [b["callback_data"] for row in invitation["buttons"] for b in row] == ["sw:second-round"]
    async with db.session() as session:
        skipped = (await session.execute(select(Delivery.participant_id).where(Delivery.state == "skipped"))).scalars()
        assert set(skipped) == {ids[chats[0]], ids[chats[1]]}


async def test_store_ignores_outcomes_of_rows_it_does_not_hold(db, demo, store):
    await crowd(db, demo, [1601])
    await min_group(db, demo, 1)
    await queue_digest(db, demo)
    [job] = await store.due(10)
    assert await store.mark_sending([job.id]) == {job.id}
    assert await store.mark_sending([job.id]) == set()  # claimed once only
    await store.record([Result(job.id, "sent", 1, message_id=5)])
    await store.record([Result(job.id, "failed", 2, error="late duplicate outcome")])
    async with db.session() as session:
        row = await session.get(Delivery, job.id)
    assert (row.state, row.message_id) == ("sent", 5)
