"""Bot and API apart: `viche api` owns the database, `viche run` with VICHE_API_URL only talks to it over HTTP.
Citizens answer through the bot, the answers land in the API's database, and the API's process sends the
digests an organiser asks the bot for — through the Bot API itself."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp
from sqlalchemy import select

from core.settings import Settings
from sandbox.fake_bot_api import FakeBotAPI
from sandbox.server import serve
from storage.models import Contact, Enrolment
from tests.broadcast.support import crowd, min_group
from viche.cli import main as viche
from viche.runner import api_started, needs_shared_token, started

BOT_TOKEN = "1000001:test-token"
ORGANISER = 900001  # VICHE_ADMINS of the test settings
CITIZEN = 7601


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _press(fake: FakeBotAPI, chat: int, label: str) -> None:
    message = next(m for m in reversed(fake.messages(chat)) if m.get("buttons"))
    button = next(b for row in message["buttons"] for b in row if label in b["text"])
    await fake.press_button(chat, message["message_id"], button["callback_data"])
    await fake.wait_until_idle(timeout=10)


async def _get(url: str) -> int:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status


async def test_bot_apart_records_through_the_api_whose_process_sends_the_digest(settings, db, demo, tmp_path):
    readers = list(range(7610, 7615))
    await crowd(db, demo, readers)
    await min_group(db, demo, len(readers))  # five readers: no digest goes out below the minimum group
    fake = FakeBotAPI()
    for chat in readers:
        fake.register_user(chat, language_code="uk")
    async with serve(fake.app) as telegram:
        api_port, bot_port = _free_port(), _free_port()
        common = {"bot_token": BOT_TOKEN, "telegram_api_url": telegram, "service_token": "shared-secret"}
        api_settings = settings.model_copy(update={**common, "port": api_port})
        nowhere = tmp_path / "bot-must-not-make-a-database.db"
        bot_settings = settings.model_copy(
            update={
                **common,
                "port": bot_port,
                "api_url": f"http://127.0.0.1:{api_port}",
                "database_url": f"sqlite+aiosqlite:///{nowhere}",
            }
        )
        async with api_started(api_settings) as api, started(bot_settings) as bot:
            await fake.send_text(CITIZEN, "/start", language_code="en")
            await fake.wait_for_messages(CITIZEN, 1, timeout=30)  # the bot polls once it is up: not "idle" yet
            await fake.wait_until_idle(timeout=10)
            await _press(fake, CITIZEN, "English")
            await _press(fake, CITIZEN, "agree")  # the consent
            async with db.session() as session:
                consented = (
                    await session.execute(
                        select(Enrolment.consented_at)
                        .join(Contact, Contact.participant_id == Enrolment.participant_id)
                        .where(Contact.external_id == str(CITIZEN))
                    )
                ).scalar_one()
            assert consented is not None  # recorded in the API's database

            await fake.send_text(ORGANISER, f"/digest {demo} week-1", language_code="en")
            await fake.wait_until_idle(timeout=10)
            assert "goes to" in fake.messages(ORGANISER)[-1]["text"]
            deadline = time.monotonic() + 20
            while any(fake.sent_count(chat) == 0 for chat in readers):  # the API's delivery engine polls the deliveries
                assert time.monotonic() < deadline, [fake.sent_count(chat) for chat in readers]
                await asyncio.sleep(0.1)
            assert api.duties.delivery is not None

            # The bot's own server has its health check and nothing of the API.
            assert await _get(f"{bot.base_url}/healthz") == 200
            assert await _get(f"{bot.base_url}/participant/consultations/open") == 404
            assert await _get(f"{api.base_url}/healthz") == 200
    assert [fake.sent_count(chat) for chat in readers] == [1] * len(readers)
    assert not nowhere.exists()


def test_apart_each_side_needs_the_shared_service_token(monkeypatch, capsys):
    monkeypatch.delenv("VICHE_SERVICE_TOKEN", raising=False)
    assert needs_shared_token(Settings(_env_file=None))
    assert not needs_shared_token(Settings(service_token="set", _env_file=None))
    monkeypatch.setenv("VICHE_API_URL", "http://127.0.0.1:9")
    from core.settings import get_settings

    get_settings.cache_clear()
    try:
        assert viche(["api"]) == 2
        assert "VICHE_SERVICE_TOKEN" in capsys.readouterr().err
        assert viche(["run"]) == 2
        assert "VICHE_SERVICE_TOKEN" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
