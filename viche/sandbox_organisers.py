"""The sandbox page's "act as organiser": the person at the page becomes an organiser at once, no restart.

Through the same record ``/grant`` writes (an ``organiser`` row, which the bot's every organiser command checks
through the backend), with no owner behind it: only the sandbox offers it, and the sandbox runs only without a
bot token and (unless told otherwise) on loopback — there, whoever reaches the page already plays any user.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from core.settings import Settings
from storage.db import Database
from storage.models_organiser import Organiser


class SandboxOrganisers:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def is_organiser(self, telegram_id: int) -> bool:
        if telegram_id in self.settings.admins or telegram_id in self.settings.owners:
            return True
        async with self.db.session() as session:
            return await session.get(Organiser, telegram_id) is not None

    async def grant(self, telegram_id: int) -> None:
        if await self.is_organiser(telegram_id):
            return
        async with self.db.session() as session:
            session.add(Organiser(telegram_id=telegram_id, granted_by=None))
            try:
                await session.commit()
            except IntegrityError:  # granted twice at once: it is granted
                await session.rollback()
