"""Async engine and sessions."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from storage import sqlite


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str) -> AsyncEngine:
    if is_sqlite(url):
        # As many connections as PostgreSQL's pool: the updates handled at once each hold one while they wait
        # for their turn to write (storage/sqlite.py) or read beside the writer. (An in-memory database is one
        # connection, SQLAlchemy's StaticPool.)
        pool = (
            {}
            if sqlite.in_memory(url)
            else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": sqlite.BUSY_TIMEOUT_SECONDS}
        )
        engine = create_async_engine(url, connect_args={"timeout": sqlite.BUSY_TIMEOUT_SECONDS}, **pool)
        sqlite.configure(engine, sqlite.WriteGate())
        return engine
    # LIFO: the connection used last is reused first, so on a busy path none rests long enough to need a ping.
    engine = create_async_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_use_lifo=True)
    _ping_after_idle(engine)
    return engine


POOL_SIZE = 30
"""Connections kept open: more than the updates handled at once (``bot.webhook.MAX_CONCURRENT_UPDATES``, 20) with
room for the API's other routes and the background work, so that a busy bot never opens one. With 10 kept and 20
in overflow, every burst above 10 opened connections and closed them again at once: 495 connections in a 40-second
benchmark run instead of 32, each a connect, an authentication and SQLAlchemy's set-up queries, which put the p99
at 100 updates/s from ~90 ms to ~860 ms (BENCHMARKS.md, "End to end")."""
POOL_OVERFLOW = 10
"""Beyond ``POOL_SIZE``, for rare peaks of the partner and organiser API (opened and closed on demand)."""

IDLE_BEFORE_PING = 1.0
"""Seconds a pooled connection may rest before it is tested on checkout."""


def _ping_after_idle(engine: AsyncEngine) -> None:
    """SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout, i.e. every request. Test only the
    connections that rested: one that died while in use fails its statement, SQLAlchemy then recognises the
    disconnect and discards the whole pool, and the request answers 503 (Telegram delivers the update again)."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "handle_error")
    def _broken_is_gone(context):
        # asyncpg reports a connection left mid-operation by a killed statement as an internal client error
        # ("cannot switch to state …"); it will never work again, so treat it as a lost connection.
        if type(context.original_exception).__name__ == "InternalClientError":
            context.is_disconnect = True

    @event.listens_for(engine.sync_engine, "checkin")
    def _rested_from(_dbapi_connection, record):
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _test_if_rested(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_BEFORE_PING:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError(f"connection test failed: {error}") from error
        if not alive:
            raise exc.DisconnectionError("connection test failed")


_AFTER_COMMIT = "after_commit"


def after_commit(session: AsyncSession, action: Callable[[], None]) -> None:
    """Run ``action`` (in-memory bookkeeping, no I/O) once the session's current transaction commits; a
    rollback drops it. A route's write and the screen it returns share one transaction, so what the write
    tells the process's memory must wait for the commit."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for action in session.info.pop(_AFTER_COMMIT, ()):
        action()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


class Database:
    """One engine and its session factory, shared by every request of the app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, class_=AsyncSession)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
