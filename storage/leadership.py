"""Which process does what must happen once per database: the delivery engine (one broadcast sender, or people
get a digest twice and a crashed sender's messages are wrongly marked uncertain) and the housekeeping.

On PostgreSQL, the process holding a session-level advisory lock on a connection of its own leads. The lock
lives as long as that connection: a process that dies (SIGKILL included) drops it and the server releases the
lock at once, so another process takes over at its next try (``viche.runner.DatabaseDuties`` tries every
``TRY_EVERY`` seconds). A leader checks its connection every ``CHECK_EVERY`` seconds and steps down when it is
gone. SQLite is one process's database: it always leads.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database, is_sqlite

log = logging.getLogger(__name__)

LOCK = (0x76696368, 1)
"""The advisory lock's two 32-bit keys ('vich', 1): a key space apart from the one-key locks on people
(``storage.update_claims``)."""
TRY_EVERY = 2.0
CHECK_EVERY = 1.0


class Leadership:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: AsyncConnection | None = None
        self.leading = False

    async def try_lead(self) -> bool:
        """Lead if nobody does; True when this process leads (now or already)."""
        if self.leading:
            return True
        if is_sqlite(self.db.url):
            self.leading = True
            return True
        try:
            connection = await self.db.engine.connect()
        except Exception as error:  # noqa: BLE001 - the database is away: tried again later
            log.warning("cannot reach the database to lead (%s)", type(error).__name__)
            return False
        try:
            got = bool(await connection.scalar(select(func.pg_try_advisory_lock(*LOCK))))
            await connection.commit()  # the session's lock stays; no transaction left open
        except Exception as error:  # noqa: BLE001
            log.warning("asking to lead failed (%s)", type(error).__name__)
            await connection.invalidate()
            return False
        if not got:
            await connection.close()
            return False
        self._connection = connection
        self.leading = True
        return True

    async def still_leading(self) -> bool:
        """Whether the lock's connection is still there (a leader that lost it must stop at once)."""
        if not self.leading or self._connection is None:
            return self.leading
        try:
            await self._connection.scalar(select(1))
            await self._connection.commit()
            return True
        except Exception as error:  # noqa: BLE001 - the connection is gone, and the lock with it
            log.warning("lost the database connection that made this process lead (%s)", type(error).__name__)
            await self._drop()
            return False

    async def step_down(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.scalar(select(func.pg_advisory_unlock(*LOCK)))
                await self._connection.commit()
                await self._connection.close()
            except Exception:  # noqa: BLE001 - closing it drops the lock anyway
                await self._drop()
        self._connection = None
        self.leading = False

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        self.leading = False
        if connection is not None:
            try:
                await connection.invalidate()  # never back into the pool with a lock or a broken socket
            except Exception:  # noqa: BLE001
                pass
