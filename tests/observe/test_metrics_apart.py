"""Bot and API apart: the API's process counts the broadcast messages its delivery engine sent, and the bot's
own server has a /metrics of its own (with the same token) with the updates it handled."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from sandbox.fake_bot_api import FakeBotAPI
from sandbox.server import serve
from tests.broadcast.support import crowd, min_group
from viche.runner import api_started, started

BOT_TOKEN = "1000001:test-token"
ORGANISER = 900001  # VICHE_ADMINS of the test settings
METRICS_TOKEN = "test-metrics-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def scrape(base_url: str, token: str | None = METRICS_TOKEN) -> tuple[int, dict[str, float]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as client, client.get(f"{base_url}/metrics", headers=headers) as response:
        if response.status != 200:
            return response.status, {}
        body = await response.text()
    samples = {
        sample.name + str(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    return 200, samples


async def test_the_api_counts_what_its_delivery_engine_sent(settings, db, demo):
    readers = list(range(7710, 7715))
    await crowd(db, demo, readers)
    await min_group(db, demo, len(readers))
    fake = FakeBotAPI()
    for chat in readers:
        fake.register_user(chat, language_code="uk")
    async with serve(fake.app) as telegram:
        api_port, bot_port = _free_port(), _free_port()
        common = {
            "bot_token": BOT_TOKEN,
            "telegram_api_url": telegram,
            "service_token": "shared-secret",
            "metrics_token": SecretStr(METRICS_TOKEN),  # model_copy does not validate
        }
        api_settings = settings.model_copy(update={**common, "port": api_port})
        bot_settings = settings.model_copy(
            update={**common, "port": bot_port, "api_url": f"http://127.0.0.1:{api_port}"}
        )
        async with api_started(api_settings) as api, started(bot_settings) as bot:
            _, before = await scrape(api.base_url)
            await fake.send_text(ORGANISER, f"/digest {demo} week-1", language_code="en")
            await fake.wait_until_idle(timeout=10)
            deadline = time.monotonic() + 20
            while any(fake.sent_count(chat) == 0 for chat in readers):
                assert time.monotonic() < deadline, [fake.sent_count(chat) for chat in readers]
                await asyncio.sleep(0.1)
            for _ in range(50):  # the outcome is counted once Telegram's answer is handled
                _, after = await scrape(api.base_url)
                if after["viche_broadcast_sent_total[]"] - before["viche_broadcast_sent_total[]"] >= len(readers):
                    break
                await asyncio.sleep(0.1)
            assert after["viche_broadcast_sent_total[]"] - before["viche_broadcast_sent_total[]"] == len(readers)
            assert after["viche_broadcast_failed_total[]"] == before["viche_broadcast_failed_total[]"]
            assert "viche_broadcast_queue_length[]" in after

            status, bot_metrics = await scrape(bot.base_url)
            assert status == 200
            assert any(name.startswith("viche_updates_total") for name in bot_metrics)
            assert (await scrape(bot.base_url, token=None))[0] == 401
