"""What must happen once per database, in whichever process leads (``storage/leadership.py``): the hourly
housekeeping, the opinion groups' refresher (each computation takes seconds of CPU: one per database, not one
per replica) and the delivery engine that sends broadcasts (digests, invitations).

Every process that owns the database (``viche run`` without ``VICHE_API_URL``, ``viche api``) starts
``DatabaseDuties``; on PostgreSQL, with several of them, one leads and the others wait to take over when it dies.
The gauge ``viche_broadcast_sender`` is 1 in the process that sends.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from core import metrics
from core.settings import Settings
from storage.db import Database
from storage.leadership import CHECK_EVERY, TRY_EVERY, Leadership

if TYPE_CHECKING:
    from aiogram import Bot

    from api.opinion_groups import GroupsRefresher
    from bot.delivery.engine import DeliveryEngine

log = logging.getLogger("viche")


class DatabaseDuties:
    """Housekeeping, the opinion groups and, with a bot to send through, the delivery engine, while this process
    leads."""

    def __init__(self, settings: Settings, db: Database, bot: Bot | None) -> None:
        self.settings = settings
        self.db = db
        self.bot = bot
        self.leadership = Leadership(db)
        self.delivery: DeliveryEngine | None = None
        """The engine, while this process leads (and has a bot)."""
        self.groups: GroupsRefresher | None = None
        """The opinion groups' refresher, while this process leads."""
        self._duties: list[asyncio.Task] = []
        self._task = asyncio.create_task(self._lead(), name="database-duties")

    def wake(self) -> None:
        """An organiser's /digest in this process: the engine starts now rather than at its next poll (the
        engine of another process picks it up within its poll, a second)."""
        if self.delivery is not None:
            self.delivery.wake()

    async def _lead(self) -> None:
        while True:
            if await self.leadership.try_lead():
                self._start()
                try:
                    while await self.leadership.still_leading():  # noqa: ASYNC110 - a check of the connection, not an event
                        await asyncio.sleep(CHECK_EVERY)
                finally:
                    await self._stop_duties()
                log.warning("this process no longer does the database's duties")
            await asyncio.sleep(TRY_EVERY)

    def _start(self) -> None:
        from api.broadcast.store import SqlDeliveryStore
        from api.opinion_groups import GroupsRefresher
        from api.pages.publishing import base_url
        from bot.delivery.config import DeliveryConfig
        from bot.delivery.engine import DeliveryEngine
        from viche.production import housekeeping

        log.info(
            "this process does the database's duties: housekeeping, opinion groups%s",
            ", broadcasts" if self.bot else "",
        )
        self._duties = [asyncio.create_task(housekeeping(self.settings, self.db), name="housekeeping")]
        self.groups = GroupsRefresher(self.db).start()
        if self.bot is not None:
            self.delivery = DeliveryEngine(
                self.bot,
                SqlDeliveryStore(self.db, base_url(self.settings)),
                DeliveryConfig.from_settings(self.settings),
            )
            metrics.watch_delivery(self.delivery)
            metrics.BROADCAST_SENDER.set(1)
            self._duties.append(asyncio.create_task(self.delivery.run(), name="delivery"))

    async def _stop_duties(self) -> None:
        groups, self.groups = self.groups, None
        if groups is not None:
            await groups.stop()
        delivery, self.delivery = self.delivery, None
        if delivery is not None:
            metrics.BROADCAST_SENDER.set(0)
            await delivery.close()  # lets the messages under way finish and records them
            metrics.unwatch_delivery(delivery)
        for task in self._duties:
            task.cancel()
        await asyncio.gather(*self._duties, return_exceptions=True)
        self._duties = []

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)  # its finally stops the duties
        await self._stop_duties()
        await self.leadership.step_down()
