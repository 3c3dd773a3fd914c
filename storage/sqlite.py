"""SQLite under a crowd: one write transaction at a time, taken in turn, and deleted data really gone.

SQLite lets one connection write at a time. Left to itself, each connection that wants to write while another
does sleeps in SQLite's busy handler and tries again (1, 2, 5 … 100 ms apart, no queue): under a crowd the
unlucky ones kept losing for the whole busy timeout, held their pooled connection meanwhile, and the requests
behind them timed out waiting for the pool. 200 participants at once: 1 168 of 7 554 requests answered 503
("database is locked", pool timeouts) and steps stalled for 30 s even at 40 participants.

So the process hands out the right to write itself: a connection takes the ``WriteGate`` (an asyncio lock,
first come first served) just before its first write statement, which is where SQLite's driver opens the
transaction, and gives it back when the transaction ends (commit, rollback, or the connection closing). A
connection waits for its turn without holding SQLite's lock, and the one that holds SQLite's lock never meets
another writer of this process in the busy handler. Reads need no turn: in WAL mode they never wait for a
writer. The busy timeout still covers other processes (a ``viche`` command beside ``viche run``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from sqlalchemy import event, exc, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util import await_

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30
"""How long a write waits for its turn (in this process) or for SQLite's lock (another process) before the
request fails with 503."""

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|PRAGMA\s+wal_checkpoint)\b", re.IGNORECASE)
"""The statements before which Python's sqlite3 driver opens a transaction (its legacy transaction control,
which SQLAlchemy's aiosqlite dialect uses): from then until the commit, the connection holds SQLite's write
lock. Reads before the first of these run outside any transaction. A checkpoint takes the write lock too."""


class WriteGate:
    """One write transaction at a time in this process, in the order they asked."""

    def __init__(self, timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holders: set[int] = set()
        self._owner: asyncio.Task | None = None

    async def enter(self, connection: Any) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # An asyncio lock belongs to one event loop; a Database used by successive asyncio.run() calls (the
            # CLI, tests) gets a fresh one in each.
            self._lock, self._loop, self._holders, self._owner = asyncio.Lock(), loop, set(), None
        if id(connection) in self._holders:
            return
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            # The task that writes on one connection writes on a second before committing the first: waiting for
            # itself would never end. Let it through; SQLite's busy timeout decides, as without the gate.
            self._holders.add(id(connection))
            return
        try:
            async with asyncio.timeout(self.timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise exc.OperationalError("waiting for a turn to write", None, Exception("database is locked")) from None
        self._owner = task
        self._holders = {id(connection)}

    def leave(self, connection: Any) -> None:
        if id(connection) not in self._holders:
            return
        self._holders.discard(id(connection))
        if not self._holders:
            self._owner = None
            self._lock.release()


def in_memory(url: str) -> bool:
    database = make_url(url).database
    return not database or database == ":memory:" or "mode=memory" in url


def _raw(connection: Any) -> Any:
    """The DBAPI connection, whether given as the pool's proxy for it or as itself."""
    return getattr(connection, "dbapi_connection", connection)


def configure(engine: AsyncEngine, gate: WriteGate) -> None:
    """The pragmas on every new connection, and the write gate around every write transaction."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores foreign keys unless asked
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer, nor it for them
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")  # another process writing
        # A deleted row's bytes are overwritten, not left in free space for anyone with the file to read
        # (a forgotten person's free-text answers; the WAL is truncated after /forget, see wipe_deleted).
        cursor.execute("PRAGMA secure_delete=ON")
        # With WAL, NORMAL syncs the WAL to disk at checkpoints rather than at every commit: a committed answer
        # survives the process dying, an operating-system crash or power cut may undo the last ones. FULL's
        # fsync per commit, taken while holding the write turn, halved the writes per second (a crowd of 40:
        # 17.9 → 32.8 steps/s; the turn held 31 → 12 ms at the median).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _take_turn(conn: Connection, _cursor, statement: str, _parameters, _context, _many):
        if _WRITES.match(statement):
            await_(gate.enter(_raw(conn.connection)))

    # The turn ends when SQLite's transaction does: after the commit or rollback itself has run, including the
    # pool's rollback of a connection returned mid-transaction and a connection closed or discarded with its
    # transaction open. SQLAlchemy has no event after these (its commit and rollback events fire before), so
    # this engine's dialect gets wrapped methods of its own.
    dialect = sync_engine.dialect
    for name in ("do_commit", "do_rollback", "do_close", "do_terminate"):
        setattr(dialect, name, _then_leave(getattr(dialect, name), gate))


def _then_leave(method: Any, gate: WriteGate) -> Any:
    def gated(connection: Any) -> None:
        try:
            method(connection)
        finally:
            gate.leave(_raw(connection))

    return gated


async def wipe_deleted(session: AsyncSession) -> None:
    """After a deletion that must leave no trace (``/forget``), committed: copy the WAL into the database file
    and truncate it, so the deleted rows' old pages no longer sit in the ``-wal`` file (``secure_delete`` has
    already overwritten them in the pages written since). Nothing to do on other databases."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = await session.connection()
    busy, _frames, _copied = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    await session.commit()
    if busy:  # a reader kept an older snapshot for the whole busy timeout; the next checkpoint copies the rest
        log.warning("the WAL could not be truncated after a deletion (readers busy)")
