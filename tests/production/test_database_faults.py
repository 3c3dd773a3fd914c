"""PostgreSQL goes away in the middle of voting and comes back: no acknowledged vote is lost, and the bot
answers again by itself.

The outage is real but confined to this run's own database: it stops accepting connections
(``ALTER DATABASE … ALLOW_CONNECTIONS false``) and every open connection to it is killed
(``pg_terminate_backend``); a few seconds later it accepts connections again. Meanwhile twelve citizens keep
voting through the fake Bot API — in polling mode, and in webhook mode, where the fake re-delivers updates
the webhook did not acknowledge, as Telegram does.

"Acknowledged" means what the citizen or Telegram was told: a "Saved ✓" toast, or (webhook) a 2xx answer
to a delivery. Every one of them must be in the database afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import make_url, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import is_sqlite
from storage.models import Answer, Contact, PairPrompt, ProposalVote
from tests.conftest import SERVICE_TOKEN
from tests.harness import running_bot
from tests.production.conftest import webhook_bot

CITIZENS = range(7001, 7013)
SAVED = "Saved ✓"
FAILED = "Something went wrong on our side. Please try again in a moment."
ALREADY = "Already recorded. ✓"


@pytest.fixture(autouse=True)
def postgresql_only(database_url):
    if is_sqlite(database_url):
        pytest.skip("cuts PostgreSQL connections mid-run: set VICHE_TEST_DATABASE_URL=postgresql+asyncpg://…")


@asynccontextmanager
async def admin(database_url: str):
    """A connection to the server's maintenance database, outside the one that goes away."""
    url = make_url(database_url)
    engine = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            yield conn, url.database
    finally:
        await engine.dispose()


async def cut(database_url: str) -> int:
    async with admin(database_url) as (conn, name):
        await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        killed = await conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        return int(killed.scalar())


async def restore(database_url: str) -> None:
    async with admin(database_url) as (conn, name):
        await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))


class Citizen:
    """Presses the first answer under the newest keyboard, waits for the bot's answer, and tries again
    (as a person would) when told that something went wrong or when nothing came back."""

    def __init__(self, t: Any, chat: int) -> None:
        self.t, self.chat = t, chat
        self.acknowledged: list[str] = []  # callback data answered "Saved ✓"
        self.failures = 0
        self.restarts = 0
        self.last_saved = 0.0

    async def press_until_done(self, presses: int, stop: asyncio.Event) -> None:
        fake = self.t.fake
        tried = 0
        while tried < presses:  # failed presses do not count: a person tries again until it works
            if stop.is_set() or not await self._keyboard():
                return
            message = self.t.last_with_buttons(self.chat)
            button = message["buttons"][0][0]
            query = await fake.press_button(self.chat, message["message_id"], button["callback_data"])
            answer = await self._answer(query["id"], timeout=60)
            if answer not in (FAILED, None):
                tried += 1
            if answer == SAVED:
                self.acknowledged.append(button["callback_data"])
                self.last_saved = time.monotonic()
            elif answer == FAILED or answer is None:
                self.failures += 1
                await asyncio.sleep(0.3)
            elif answer == ALREADY:
                # Stored by an attempt that failed afterwards; the next question never came. A person types
                # /start ("continue where you stopped").
                self.restarts += 1
                before = len(fake.sent_messages(self.chat))
                await fake.send_text(self.chat, "/start")
                await wait_for_messages(self.t, self.chat, before + 1)

    async def _answer(self, query_id: str, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for answer in self.t.fake.callback_answers(self.chat):
                if answer["callback_query_id"] == query_id:
                    return answer["text"]
            await asyncio.sleep(0.02)
        return None

    async def _keyboard(self, timeout: float = 30) -> bool:
        """Wait until the chat settles after a press (after the toast come the edit and the next question):
        a new keyboard, or a failure notice; False once the consultation is over."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            newest = self.t.messages(self.chat)[-1]
            if (newest["text"] or "").startswith("Thank you"):  # its one button ("How do I compare?") is no answer
                return False
            if newest["buttons"] or newest["text"] == FAILED:
                return True
            await asyncio.sleep(0.02)
        raise AssertionError(f"chat {self.chat} is stuck: {self.t.texts(self.chat)[-3:]}")


async def start(t, chat: int) -> None:
    await t.fake.send_text(chat, "/start", language_code="en")
    await wait_for_buttons(t, chat, 1)
    await press_first(t, chat, "English")
    await press_first(t, chat, "✅")


async def press_first(t, chat: int, label: str) -> None:
    message = t.last_with_buttons(chat)
    button = next(b for row in message["buttons"] for b in row if label in b["text"])
    before = len(t.fake.sent_messages(chat))
    await t.fake.press_button(chat, message["message_id"], button["callback_data"])
    await wait_for_messages(t, chat, before + 1)


async def wait_for_buttons(t, chat: int, count: int) -> None:
    await wait_for_messages(t, chat, count)


async def wait_for_messages(t, chat: int, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(t.fake.sent_messages(chat)) < count:
        assert time.monotonic() < deadline, f"chat {chat}: {t.texts(chat)}"
        await asyncio.sleep(0.02)


async def acknowledged_rows_exist(db, citizens: list[Citizen]) -> int:
    checked = 0
    async with db.session() as s:
        for citizen in citizens:
            participant = (
                await s.execute(select(Contact.participant_id).where(Contact.external_id == str(citizen.chat)))
            ).scalar_one()
            for data in citizen.acknowledged:
                prefix, *parts = data.split(":")
                if prefix == "v":
                    query = select(ProposalVote).where(
                        ProposalVote.participant_id == participant, ProposalVote.proposal_id == int(parts[0])
                    )
                elif prefix == "a":
                    query = select(Answer).where(
                        Answer.participant_id == participant,
                        Answer.item_id == int(parts[0]),
                        Answer.option_id == int(parts[1]),
                    )
                elif prefix in ("p", "pc"):
                    query = select(PairPrompt).where(PairPrompt.token == parts[0], PairPrompt.outcome.is_not(None))
                else:
                    continue
                assert (await s.execute(query)).scalars().first() is not None, (citizen.chat, data)
                checked += 1
    return checked


@pytest.fixture(params=["polling", "webhook"])
async def t(request, api_app):
    if request.param == "polling":
        async with running_bot(api_app, SERVICE_TOKEN, default_language="uk") as harness:
            harness.mode = "polling"
            yield harness
    else:
        async with webhook_bot(api_app) as harness:
            # Telegram keeps re-delivering for hours; the fake gives up after a few tries unless told otherwise.
            harness.fake.webhook.max_attempts = 60
            harness.mode = "webhook"
            yield harness


async def test_no_acknowledged_vote_is_lost_and_the_bot_recovers(t, db, demo, database_url):
    for chat in CITIZENS:
        await start(t, chat)
    citizens = [Citizen(t, chat) for chat in CITIZENS]
    stop = asyncio.Event()
    voting = [asyncio.create_task(c.press_until_done(12, stop)) for c in citizens]
    await asyncio.sleep(0.5)  # votes are flowing …
    try:
        killed = await cut(database_url)  # … and the database goes away
        await asyncio.sleep(3)
    finally:
        await restore(database_url)
        restored = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*voting), timeout=240)
    assert killed > 0, "the outage should have cut open connections"

    answers = Counter(a["text"] for chat in CITIZENS for a in t.fake.callback_answers(chat))
    print(t.mode, dict(answers), "restarts:", sum(c.restarts for c in citizens))
    checked = await acknowledged_rows_exist(db, citizens)
    assert checked >= len(citizens), [c.acknowledged for c in citizens]
    # voting went on after the database came back, for everyone who had anything left to answer
    for citizen in citizens:
        finished = (t.texts(citizen.chat)[-1] or "").startswith("Thank you")
        assert finished or citizen.last_saved > restored, (citizen.chat, t.texts(citizen.chat)[-2:])
    if t.mode == "webhook":
        # Telegram was only ever told "done" for updates whose effects were committed; none was dropped.
        assert "503" in (t.fake.webhook.last_error_message or ""), "the outage should have been answered 503"
        assert not t.fake.updates.pending
    else:
        assert sum(c.failures for c in citizens) > 0, "someone should have been told to try again"

    # the bot answers again by itself: nobody restarted anything
    for chat in CITIZENS:
        before = len(t.fake.sent_messages(chat))
        await t.fake.send_text(chat, "/help")
        await wait_for_messages(t, chat, before + 1)
        assert "/language" in t.texts(chat)[-1]
