"""In Telegram, through the real dispatcher: a citizen's /digests and /stop; an organiser's /digest and
/broadcasts, with the engine of the same process delivering the digest and editing the progress message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from babel.dates import format_date
from sqlalchemy import func, select

from bot.backend import Backend
from bot.delivery.engine import DeliveryEngine
from bot.dispatcher import build_dispatcher
from storage.models_broadcast import Broadcast
from tests.broadcast.support import crowd, min_group
from tests.broadcast.test_engine import config
from tests.conftest import SERVICE_TOKEN
from tests.harness import Telegram, UpdateCounter

ORGANISER = 900001  # VICHE_ADMINS of the test settings
CITIZEN = 7301


@asynccontextmanager
async def bot_and_engine(api_app, fake, bot, store) -> AsyncIterator[tuple[Telegram, DeliveryEngine]]:
    backend = Backend.in_process(api_app, SERVICE_TOKEN)
    dispatcher = build_dispatcher(backend, default_language="uk")
    counter = UpdateCounter()
    dispatcher.update.outer_middleware(counter)
    engine = DeliveryEngine(bot, store, config(progress_interval=0.3))
    dispatcher["delivery"] = engine
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    sending = asyncio.create_task(engine.run())
    try:
        yield Telegram(fake, dispatcher, counter), engine
    finally:
        await engine.close()
        for task in (polling, sending):
            task.cancel()
        await asyncio.gather(polling, sending, return_exceptions=True)
        await backend.close()


async def test_citizen_turns_digests_off_and_on_and_stops(api_app, fake, bot, store, demo):
    async with bot_and_engine(api_app, fake, bot, store) as (t, _):
        await t.send(CITIZEN, "/start", language_code="en")
        await t.press(CITIZEN, "English")
        await t.send(CITIZEN, "/digests")
        assert t.texts(CITIZEN)[-1].startswith("Digests are on")
        await t.press(CITIZEN, "Turn digests off")
        assert t.texts(CITIZEN)[-1].startswith("Digests are off")
        await t.send(CITIZEN, "/stop")
        assert t.texts(CITIZEN)[-1].startswith("Done: I will not send you any message")
        await t.send(CITIZEN, "/digests")
        assert "You stopped all messages" in t.texts(CITIZEN)[-1]
        await t.press(CITIZEN, "Turn digests on")
        assert t.texts(CITIZEN)[-1].startswith("Digests are on")
        # In Ukrainian too.
        await t.send(CITIZEN + 1, "/digests", language_code="uk")
        assert t.texts(CITIZEN + 1)[-1].startswith("Підсумки ввімкнено")


async def _finished_progress(t) -> str:
    """The organiser's progress message once it says the broadcast is finished (it is edited in place)."""
    deadline = time.monotonic() + 20
    while True:
        progress = [text for text in t.texts(ORGANISER) if text.startswith("📊")]
        if progress and "Finished" in progress[-1]:
            return progress[-1]
        assert time.monotonic() < deadline, t.texts(ORGANISER)[-3:]
        await asyncio.sleep(0.1)


async def test_organiser_sends_a_digest_and_watches_it(api_app, fake, bot, store, db, demo):
    chats = list(range(7400, 7430))
    for chat in chats:
        fake.register_user(chat, language_code="uk")
    await crowd(db, demo, chats)
    async with bot_and_engine(api_app, fake, bot, store) as (t, _engine):
        await t.send(CITIZEN, "/digest")  # not an organiser: the citizen's "unknown command"
        assert "/help" in t.texts(CITIZEN)[-1]
        await t.send(ORGANISER, "/digest")
        assert "/digest city-budget" in t.texts(ORGANISER)[-1]
        await t.send(ORGANISER, "/digest nowhere")
        assert "There is no consultation nowhere" in t.texts(ORGANISER)[-1]
        await t.send(ORGANISER, f"/digest {demo} week-1")
        # The engine starts at once: its progress message may reach the chat before or after this reply.
        assert (f"The digest of {demo} (week-1) goes to 30 participants. I will show the progress here.") in t.texts(
            ORGANISER
        )[-2:]
        progress = await _finished_progress(t)
        assert "✅ Sent: 30 of 30" in progress
        assert [fake.sent_count(chat) for chat in chats] == [1] * len(chats)
        await t.send(ORGANISER, f"/digest {demo} week-1")
        assert f"Everyone has already received this digest of {demo} (week-1)" in t.texts(ORGANISER)[-1]
        await t.send(ORGANISER, "/broadcasts")
        assert t.texts(ORGANISER)[-1] == (
            f"Broadcasts, newest first:\n✅ 📊 {demo} (week-1): 30 of 30 sent, 0 not delivered"
        )


async def test_organiser_digest_is_refused_below_the_minimum_group(api_app, fake, bot, store, db, demo):
    """One participant answered; the demo's minimum group is 10. No result goes out, and the organiser is told why,
    in their language; once enough took part, the automatic round is named by its date, never "update-2026…"."""
    fake.register_user(7501, language_code="uk")
    await crowd(db, demo, [7501])
    async with bot_and_engine(api_app, fake, bot, store) as (t, _):
        await t.send(ORGANISER, f"/digest {demo}")
        assert t.texts(ORGANISER)[-1] == (
            f"Results of {demo} go out only once at least 10 participants have answered (its minimum group size), "
            "so that nobody can be recognised in them. So far: 1 participant. No digest was sent."
        )
        await t.send(ORGANISER, f"/digest {demo} week-1", language_code="uk")
        ukrainian = t.texts(ORGANISER)[-1]
        assert "10" in ukrainian and demo in ukrainian and "Results" not in ukrainian
        async with db.session() as session:
            assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
        await asyncio.sleep(0.3)
        assert fake.sent_count(7501) == 0

        await min_group(db, demo, 1)
        days = [datetime.now(UTC).date() + timedelta(days=d) for d in (0, 1)]
        await t.send(ORGANISER, f"/digest {demo}")
        reply = next(text for text in reversed(t.texts(ORGANISER)) if not text.startswith("📊"))
        assert any(f"({'update of ' + format_date(day, 'long', locale='en')})" in reply for day in days), reply
        await _finished_progress(t)
        await t.send(ORGANISER, "/broadcasts", language_code="uk")
        assert not any("update-" in text for text in t.texts(ORGANISER)), t.texts(ORGANISER)
