"""The delivery engine alone in a process, for the crash tests:
``python -m tests.broadcast.engine_process DB_URL BOT_API_URL JOURNAL``.

Runs until killed. Prints "ready" once it has started.
"""

from __future__ import annotations

import asyncio
import sys

from api.broadcast.store import SqlDeliveryStore
from bot.delivery.config import DeliveryConfig
from bot.delivery.engine import DeliveryEngine
from bot.dispatcher import build_bot
from storage.db import Database


async def main(database_url: str, bot_api_url: str, journal: str, rate: float = 29) -> None:
    db = Database(database_url)
    bot = build_bot("1000001:test-token", bot_api_url)
    engine = DeliveryEngine(
        bot,
        SqlDeliveryStore(db),
        DeliveryConfig(rate=rate, poll_interval=0.05, journal=journal, schedule_interval=3600),
    )
    print("ready", flush=True)
    await engine.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
